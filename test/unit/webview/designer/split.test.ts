// The split between the diagram and the table: the table's room is what its column leaves of the window, and
// a diagram the person has not sized gives up height for the table (down to a floor).
import { strict as assert } from 'node:assert';
import { autoDiagramHeight, tableRoom } from '../../../../webview/designer/splitSizes';

describe('designer split', () => {
  it('the table gets the window below everything else in its column, the page margin kept', () => {
    // A 786 px window; the column ends at 900 with a 300 px table: 600 px above it, 24 px margin.
    assert.equal(tableRoom(786, 300, 900, 24), 162);
    assert.equal(tableRoom(786, 162, 762, 24), 162, 'the same room once the table has it');
  });

  it('a diagram not sized by the person shrinks for the table to have 200 px, never below 280 px', () => {
    assert.equal(autoDiagramHeight(393, 130), 323);
    assert.equal(autoDiagramHeight(420, 500), 420, 'room enough: as preferred');
    assert.equal(autoDiagramHeight(393, 0), 280, 'a low window: the floor');
    assert.equal(autoDiagramHeight(250, 0), 250, 'never taller than preferred');
  });
});
