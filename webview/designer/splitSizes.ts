// The split's sizes (split.ts), without the DOM: unit-tested.

/** The table never shrinks below this: a lower window scrolls the page instead. */
export const TABLE_MIN = 150;
/** Until the person sizes the diagram, it gives up height (down to AUTO_MIN) for the table to have this much. */
const TABLE_WANTED = 200;
const AUTO_MIN = 280;

/**
 * The room the table scroller has for its column to end within the window: `table` is its height now,
 * `mainBottom` the bottom of its column (document coordinates), `bottom` the page's margin under that.
 */
export function tableRoom(windowHeight: number, table: number, mainBottom: number, bottom: number): number {
  return Math.floor(windowHeight - (mainBottom - table) - bottom);
}

/** The diagram's height by default (not sized by the person): what `room` leaves the table short of TABLE_WANTED is taken from it. */
export function autoDiagramHeight(preferred: number, room: number): number {
  return Math.max(Math.min(preferred, AUTO_MIN), preferred - Math.max(0, TABLE_WANTED - room));
}
