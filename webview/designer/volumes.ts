// Draws a VolumePlan (volumePlan.ts) as SVG: each tensor a box — front face, top and side in three shades of
// one theme colour — each vector a thin column, the window of a convolution or pooling a patch on the side
// face (height × width) of the volume it slides over with lines to the box it makes, shortcuts as arcs
// above, the layer types above each box and the shape below. Colours come from the stylesheet
// (var(--vscode-charts-*)), so light, dark and high contrast follow VS Code. Click a box: its layer.
import { formatDims } from '../../src/model/format';
import { OBLIQUE, type VolumeItem, type VolumePlan } from './volumePlan';
import { fit, round, svgEl, svgText, svgTitle } from './svg';

export function renderVolumes(plan: VolumePlan): SVGGElement {
  const root = svgEl('g', { class: 'volumes' });
  const arcs = svgEl('g', { class: 'volume-arcs' });
  const windows = svgEl('g', { class: 'volume-windows' });
  const boxes = svgEl('g', { class: 'volume-boxes' });
  const y = plan.midY;
  plan.items.forEach((item, i) => {
    boxes.append(box(item, y));
    if (item.window) windows.append(windowCone(plan.items[item.window.from]!, item, y));
    for (const s of item.skips) arcs.append(arc(plan.items[s]!, item, y, i));
  });
  // Windows over the boxes they sit on; arcs behind everything.
  root.append(arcs, boxes, windows);
  return root;
}

/** Marks the box showing the selected layer, and those of the range. */
export function markVolumes(root: Element, selected: number, first: number, last: number): void {
  for (const g of root.querySelectorAll<SVGGElement>('g.volume')) {
    const rows = (g.dataset.rows ?? '').split(',').map(Number);
    const on = rows.includes(selected);
    g.classList.toggle('selected', on);
    g.classList.toggle('in-range', !on && rows.some((r) => r >= first && r <= last));
  }
}

function box(item: VolumeItem, midY: number): SVGGElement {
  const { x, w, h } = item;
  const o = item.d * OBLIQUE;
  const top = midY - h / 2;
  const g = svgEl('g', {
    class: `volume ${item.kind}${item.row < 0 ? ' model-input' : ''}`,
    'data-row': String(item.row),
    'data-rows': item.rows.join(','),
    'data-type': item.types[0] ?? '',
  });
  const shape = formatDims(item.shape);
  g.append(
    svgTitle(`${item.types.join(' → ')}\n${shape}${item.kind === 'volume' ? ` (height × width × channels)` : ''}`),
    poly('face side', [
      [x + w, top],
      [x + w + o, top - o],
      [x + w + o, top + h - o],
      [x + w, top + h],
    ]),
    poly('face top', [
      [x, top],
      [x + w, top],
      [x + w + o, top - o],
      [x + o, top - o],
    ]),
    svgEl('rect', { class: 'face front', x: String(round(x)), y: String(round(top)), width: String(round(w)), height: String(round(h)) }),
  );
  const cx = x + (w + o) / 2;
  g.append(svgText(fit(item.types.filter((t) => t !== 'input' || item.row < 0).join(' · '), 22), cx, midY - h / 2 - o - 8, 'vol-type'));
  g.append(svgText(shape, cx, midY + h / 2 + 16, 'vol-shape'));
  return g;
}

/** The window on the side face of `from` (its H × W plane), and two lines to the box it makes. */
function windowCone(from: VolumeItem, to: VolumeItem, midY: number): SVGGElement {
  const [H = 1, W = 1] = from.shape;
  const win = to.window!;
  const o = from.d * OBLIQUE;
  const top = midY - from.h / 2;
  // A point of the side face: u along its depth (W), v down its height (H), both 0…1.
  const at = (u: number, v: number): [number, number] => [from.x + from.w + u * o, top + v * from.h - u * o];
  const du = Math.max(0.06, Math.min(1, win.kw / W)) / 2;
  const dv = Math.max(0.06, Math.min(1, win.kh / H)) / 2;
  const corners = [at(0.5 - du, 0.5 - dv), at(0.5 + du, 0.5 - dv), at(0.5 + du, 0.5 + dv), at(0.5 - du, 0.5 + dv)];
  const target: [number, number] = [to.x + to.w / 2, midY];
  const g = svgEl('g', { class: 'volume-window', 'data-row': String(to.row) });
  g.append(
    svgTitle(`${to.types[0]} window ${win.kh}×${win.kw}`),
    svgEl('path', { class: 'window-ray', d: `M${pt(corners[1]!)} L${pt(target)} M${pt(corners[2]!)} L${pt(target)}` }),
    poly('window', corners),
  );
  return g;
}

function arc(from: VolumeItem, to: VolumeItem, midY: number, k: number): SVGPathElement {
  const ax = from.x + (from.w + from.d * OBLIQUE) / 2;
  const bx = to.x + to.w / 2;
  const ay = midY - from.h / 2 - from.d * OBLIQUE - 20;
  const by = midY - to.h / 2 - to.d * OBLIQUE - 20;
  const peak = Math.min(ay, by) - 22 - (k % 2) * 8;
  return svgEl('path', { class: 'edge skip', d: `M${round(ax)},${round(ay)} C${round(ax)},${round(peak)} ${round(bx)},${round(peak)} ${round(bx)},${round(by)}`, 'marker-end': 'url(#arrow)' });
}

function poly(cls: string, points: readonly (readonly [number, number])[]): SVGPolygonElement {
  return svgEl('polygon', { class: cls, points: points.map(pt).join(' ') });
}

function pt(p: readonly [number, number]): string {
  return `${round(p[0])},${round(p[1])}`;
}
