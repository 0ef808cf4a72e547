// The whole picture in a corner, with the visible part outlined: click or drag in it to move there. Every
// node is one path segment (one element for the lot), so it costs nothing to redraw.
import type { GraphLayout } from './graphLayout';
import type { LayoutNode } from './graphLayout';
import { svgEl } from './svg';
import type { Transform, Viewport } from './viewport';

const WIDTH = 140;
const MAX_HEIGHT = 220;

export class Minimap {
  readonly element = svgEl('svg', { class: 'minimap', role: 'img', 'aria-label': 'Overview: click to move there' });
  private readonly nodes = svgEl('path', { class: 'minimap-nodes' });
  private readonly view = svgEl('rect', { class: 'minimap-view' });
  private scale = 1;
  private content = { width: 0, height: 0 };

  constructor(private readonly viewport: Viewport) {
    this.element.append(this.nodes, this.view);
    viewport.onChange((t) => this.frame(t));
    const moveTo = (e: PointerEvent): void => {
      const r = this.element.getBoundingClientRect();
      const x = (e.clientX - r.left) / this.scale;
      const y = (e.clientY - r.top) / this.scale;
      const t = this.viewport.transform;
      const { width, height } = this.viewport.size;
      this.viewport.set({ ...t, x: width / 2 - x * t.k, y: height / 2 - y * t.k });
    };
    this.element.addEventListener('pointerdown', (e) => {
      e.stopPropagation();
      this.element.setPointerCapture(e.pointerId);
      moveTo(e);
      const move = (ev: PointerEvent): void => moveTo(ev);
      const up = (): void => {
        this.element.removeEventListener('pointermove', move);
        this.element.removeEventListener('pointerup', up);
      };
      this.element.addEventListener('pointermove', move);
      this.element.addEventListener('pointerup', up);
    });
  }

  draw(layout: GraphLayout, nodes: readonly LayoutNode[]): void {
    this.content = { width: layout.width, height: layout.height };
    this.scale = Math.min(WIDTH / Math.max(1, layout.width), MAX_HEIGHT / Math.max(1, layout.height));
    const s = this.scale;
    this.element.setAttribute('width', String(Math.ceil(layout.width * s)));
    this.element.setAttribute('height', String(Math.ceil(layout.height * s)));
    let d = '';
    for (const n of nodes) {
      const p = layout.nodes.get(n.id);
      if (!p) continue;
      d += `M${((p.x - n.width / 2) * s).toFixed(1)},${((p.y - n.height / 2) * s).toFixed(1)}h${(n.width * s).toFixed(1)}v${Math.max(1, n.height * s).toFixed(1)}h${(-n.width * s).toFixed(1)}z`;
    }
    this.nodes.setAttribute('d', d);
    this.frame(this.viewport.transform);
  }

  private frame(t: Transform): void {
    const { width, height } = this.viewport.size;
    const s = this.scale;
    // The pane's rectangle in content coordinates, clipped to the picture.
    const x0 = Math.max(0, -t.x / t.k);
    const y0 = Math.max(0, -t.y / t.k);
    const x1 = Math.min(this.content.width, (width - t.x) / t.k);
    const y1 = Math.min(this.content.height, (height - t.y) / t.k);
    this.view.setAttribute('x', (x0 * s).toFixed(1));
    this.view.setAttribute('y', (y0 * s).toFixed(1));
    this.view.setAttribute('width', Math.max(0, (x1 - x0) * s).toFixed(1));
    this.view.setAttribute('height', Math.max(0, (y1 - y0) * s).toFixed(1));
  }
}
