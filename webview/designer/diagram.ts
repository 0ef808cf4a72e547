// The model as a graph, top to bottom, in a pane that pans and zooms (viewport.ts): one node per layer
// (type, short name, output shape) and one for the model input, an edge from each input to the layer that
// reads it — shortcuts and branches in their own colour; merge layers are circles (+ add, ∥ concatenate).
// Repeated blocks (blocks.ts) collapse into one node, "denseblock3: 24 × dense layer"; a click expands
// one, the ▾ on its frame collapses it again. Past 100 layers a minimap shows where the pane is.
// SVG, so the theme colours come from the stylesheet's var(--vscode-*) and follow a theme switch.
// Work done per change: blocks when the layers' structure changes, the layout when the visible nodes and
// edges do (an edit of settings re-lays out nothing), the elements when anything shown changes, and on a
// selection change only the marks.
import './diagram.css';
import { implicitInput } from '../../src/model/types';
import { button, h } from '../shared/dom';
import { findBlocks, type Block } from './blocks';
import { layoutGraph, type GraphLayout } from './graphLayout';
import type { DiagramView } from './diagramView';
import { visibleGraph, type VisibleGraph } from './graphModel';
import { arrowDefs, blockFrame, blockNode, clipToMerge, layerNode, pathOf } from './graphNodes';
import { MERGE_TYPES } from './inputsPicker';
import { Minimap } from './minimap';
import type { Range } from './state';
import { svgEl } from './svg';
import { Viewport } from './viewport';
import { standaloneSvg, svgToPng } from './exportImage';
import { planVolumes, volumesAvailable } from './volumePlan';
import { markVolumes, renderVolumes } from './volumes';

/** Blocks start collapsed in a model larger than this; smaller ones show every layer. */
export const COLLAPSE_ABOVE = 40;
export const MINIMAP_ABOVE = 100;
const LAYOUT_CACHE = 8;
/** Inputs beyond which a merge's edges are drawn faint (a dense block's concatenations read up to 32 layers). */
const FAN_IN = 4;

export type { DiagramRow, DiagramView } from './diagramView';

export type DiagramMode = 'graph' | 'volumes';

export interface DiagramHooks {
  select(row: number, extend: boolean): void;
  /** Blocks the person expanded (true) or collapsed (false), by block key: remembered in the webview state. */
  blocksChanged?(overrides: Readonly<Record<string, boolean>>): void;
  modeChanged?(mode: DiagramMode): void;
  /** The picture as a file: the host asks where to save it. Absent: no SVG/PNG buttons. */
  exportImage?(format: 'svg' | 'png', data: string): void;
}

/** Timings of the last draw, for the e2e's record (also on the element as data-*). */
export interface DrawTimes {
  readonly blocksMs: number;
  readonly layoutMs: number;
  readonly renderMs: number;
}

export class Diagram {
  readonly element: HTMLElement;
  private readonly svg = svgEl('svg', { id: 'diagram-graph', role: 'group', 'aria-label': 'Model graph' });
  private readonly content = svgEl('g', { class: 'viewport' });
  private readonly viewport: Viewport;
  private readonly minimap: Minimap;
  private blocks: { key: string; list: readonly Block[] } | undefined;
  private keys: { view: DiagramView; structure: string; shown: string } | undefined;
  private readonly layouts = new Map<string, GraphLayout>();
  private drawnKey = '';
  private graph: VisibleGraph | undefined;
  private layout: GraphLayout | undefined;
  private overrides: Record<string, boolean>;
  private lastSelected = -2;
  private placed = false;
  private view: DiagramView | undefined;
  private readonly modeButton: HTMLElement;
  /** Whether the picture now shown is the volumes one (the mode asks for it and the model allows it). */
  private showingVolumes = false;

  constructor(
    private readonly hooks: DiagramHooks,
    overrides: Readonly<Record<string, boolean>> = {},
    private mode: DiagramMode = 'graph',
  ) {
    this.overrides = { ...overrides };
    this.element = h('section', { id: 'diagram', class: 'diagram', 'aria-label': 'Model graph' });
    this.svg.append(this.content);
    this.viewport = new Viewport(this.element, this.svg);
    this.minimap = new Minimap(this.viewport);
    const tools = h(
      'div',
      { class: 'diagram-tools', role: 'toolbar', 'aria-label': 'Diagram' },
      button('−', { id: 'zoom-out', title: 'Zoom out (Ctrl+wheel)', 'aria-label': 'Zoom out' }, () => this.viewport.zoomBy(1 / 1.25)),
      button('+', { id: 'zoom-in', title: 'Zoom in (Ctrl+wheel)', 'aria-label': 'Zoom in' }, () => this.viewport.zoomBy(1.25)),
      button('Fit', { id: 'zoom-fit', title: 'Show the whole picture' }, () => this.viewport.fit()),
      (this.modeButton = button(this.mode === 'volumes' ? 'Graph' : 'Volumes', { id: 'diagram-mode', title: 'Switch between the graph and the volumes picture (tensors as boxes)' }, () =>
        this.setMode(this.mode === 'volumes' ? 'graph' : 'volumes'),
      )),
      hooks.exportImage && [
        button('SVG', { id: 'export-svg', title: 'Save the picture as an SVG file' }, () => hooks.exportImage?.('svg', this.exportSvg())),
        button('PNG', { id: 'export-png', title: 'Save the picture as a PNG file' }, () => {
          void svgToPng(this.exportSvg()).then(
            (png) => hooks.exportImage?.('png', png),
            (e: unknown) => console.warn(`designer: PNG export failed: ${String(e)}`),
          );
        }),
      ],
    );
    this.element.append(this.svg, tools, this.minimap.element);
    this.svg.addEventListener('click', (e) => {
      const target = e.target instanceof Element ? e.target : null;
      const collapse = target?.closest<SVGElement>('[data-collapse]');
      if (collapse?.dataset.collapse) return this.setExpanded(collapse.dataset.collapse, false);
      const node = target?.closest<SVGElement>('[data-row]');
      if (!node) return;
      const block = node.dataset.block;
      if (block) this.setExpanded(block, true);
      const row = Number(node.dataset.row);
      if (row >= 0) this.hooks.select(row, e.shiftKey);
    });
  }

  /** The pane's zoom and pan, for tests and the e2e's frame-time probe. */
  get viewportControl(): Viewport {
    return this.viewport;
  }

  draw(view: DiagramView, selected: number, range: Range): DrawTimes | undefined {
    this.view = view;
    let times: DrawTimes | undefined;
    const t0 = performance.now();
    // What the picture depends on, selection apart: redraw only when it changes. Worked out once per view
    // (a selection change keeps the view: 2,000 rows' keys would cost it tens of ms).
    if (this.keys?.view !== view) {
      const structure = JSON.stringify(view.rows.map((r) => [r.type, r.summary, r.inputs.map((i) => i.index)]));
      const shown = JSON.stringify([view.inputShape, view.rows.map((r) => [r.name, r.outputShape, r.errors.length, r.warnings.length, r.inputs.map((i) => i.error !== undefined)])]);
      this.keys = { view, structure, shown };
    }
    const structure = this.keys.structure;
    if (this.blocks?.key !== structure) this.blocks = { key: structure, list: findBlocks(view.rows) };
    const t1 = performance.now();
    // Volumes need each layer's settings (kernel sizes): a view without them is drawn as a graph only.
    const canVolumes = view.layers !== undefined && volumesAvailable(view.rows, view.inputShape);
    const volumes = this.mode === 'volumes' && canVolumes;
    this.modeButton.hidden = !canVolumes;
    this.modeButton.textContent = volumes ? 'Graph' : 'Volumes';
    if (volumes !== this.showingVolumes) this.placed = false;
    this.showingVolumes = volumes;
    const key = `${this.expandedKeys()}|${volumes}|${structure}|${this.keys.shown}`;
    if (key !== this.drawnKey && volumes) {
      this.drawnKey = key;
      this.renderVolumes(view);
      this.element.dataset.renderMs = (performance.now() - t1).toFixed(1);
    } else if (key !== this.drawnKey) {
      const graph = visibleGraph(view.rows, this.blocks.list, this.expandedSet(view), (t) => MERGE_TYPES.includes(t));
      let layout = this.layouts.get(graph.key);
      if (!layout) {
        layout = layoutGraph(graph.nodes, graph.edges);
        if (this.layouts.size >= LAYOUT_CACHE) this.layouts.delete(this.layouts.keys().next().value!);
        this.layouts.set(graph.key, layout);
      }
      const t2 = performance.now();
      this.graph = graph;
      this.layout = layout;
      this.drawnKey = key;
      this.render(view, graph, layout);
      const t3 = performance.now();
      times = { blocksMs: t1 - t0, layoutMs: t2 - t1, renderMs: t3 - t2 };
      this.element.dataset.layoutMs = times.layoutMs.toFixed(1);
      this.element.dataset.renderMs = times.renderMs.toFixed(1);
      this.element.dataset.blocksMs = times.blocksMs.toFixed(1);
    }
    this.mark(selected, range);
    if (!this.placed && this.element.clientHeight > 0) {
      this.placed = true;
      this.viewport.initial();
    } else if (selected !== this.lastSelected) this.revealRow(selected);
    this.lastSelected = selected;
    // Milliseconds since the webview's page started: the first is its open-to-drawn time.
    this.element.dataset.drawnAt = performance.now().toFixed(0);
    this.element.dataset.firstDrawnAt ??= this.element.dataset.drawnAt;
    return times;
  }

  private setMode(mode: DiagramMode): void {
    this.mode = mode;
    this.hooks.modeChanged?.(mode);
    if (this.view) this.draw(this.view, this.lastSelected, { first: this.lastSelected, last: this.lastSelected });
  }

  private renderVolumes(view: DiagramView): void {
    const plan = planVolumes(view.rows, view.inputShape ?? [], (i) => view.layers?.[i]);
    this.svg.replaceChildren(arrowDefs(), this.content);
    this.content.replaceChildren(renderVolumes(plan));
    this.svg.setAttribute('width', String(Math.ceil(plan.width)));
    this.svg.setAttribute('height', String(Math.ceil(plan.height)));
    this.svg.setAttribute('aria-label', `Model volumes: ${plan.items.length} tensors, input to output`);
    this.viewport.setContent({ width: plan.width, height: plan.height });
    this.element.classList.remove('with-minimap');
    this.element.classList.add('volumes-mode');
    this.graph = undefined;
    this.layout = undefined;
    this.viewport.set(this.viewport.transform);
  }

  /** The picture as a standalone SVG document (theme colours written in). */
  private exportSvg(): string {
    const w = Number(this.svg.getAttribute('width'));
    const hgt = Number(this.svg.getAttribute('height'));
    return standaloneSvg(this.svg, w, hgt);
  }

  private expandedSet(view: DiagramView): Set<string> {
    const byDefault = view.rows.length <= COLLAPSE_ABOVE;
    return new Set((this.blocks?.list ?? []).filter((b) => this.overrides[b.key] ?? byDefault).map((b) => b.key));
  }

  private expandedKeys(): string {
    return Object.entries(this.overrides).map(([k, v]) => `${k}=${v}`).join(',');
  }

  private setExpanded(key: string, expanded: boolean): void {
    this.overrides[key] = expanded;
    this.hooks.blocksChanged?.(this.overrides);
    if (this.view) this.draw(this.view, this.lastSelected, { first: this.lastSelected, last: this.lastSelected });
  }

  private revealRow(row: number): void {
    if (!this.graph || !this.layout || row < 0) return;
    const p = this.layout.nodes.get(this.graph.nodeOf(row));
    if (p) this.viewport.reveal(p.x, p.y);
  }

  private render(view: DiagramView, graph: VisibleGraph, layout: GraphLayout): void {
    const s = this.svg;
    const c = this.content;
    c.replaceChildren();
    s.replaceChildren(arrowDefs(), c);
    this.element.classList.remove('volumes-mode');
    // The SVG is the picture's size; the viewport moves and scales it as a whole.
    s.setAttribute('width', String(Math.max(1, layout.width)));
    s.setAttribute('height', String(Math.max(1, layout.height)));
    this.viewport.setContent({ width: layout.width, height: layout.height });
    const rows = view.rows;
    const frames = svgEl('g', { class: 'block-frames' });
    for (const b of this.blocks?.list ?? []) {
      if (graph.nodeOf(b.first) === b.first) frames.append(blockFrame(b, layout, graph));
    }
    const edgeLayer = svgEl('g', { class: 'edges' });
    // A concatenation of many earlier layers (DenseNet's): its inputs drawn thin and faint, without arrows.
    const fanIn = new Map<number, number>();
    for (const e of graph.edges) fanIn.set(e.to, (fanIn.get(e.to) ?? 0) + 1);
    graph.edges.forEach((e, i) => {
      const to = rows[e.to];
      const points = clipToMerge(layout.edges[i] ?? [], rows[e.from], to, layout);
      if (points.length < 2) return;
      // A shortcut or branch: any edge other than "the next node reads the previous one".
      const skip = e.to < rows.length ? e.from !== implicitInput(e.to) && graph.nodeOf(implicitInput(e.to)) !== e.from : false;
      const bad = to?.inputs[e.element]?.error !== undefined && graph.nodeOf(e.to) === e.to;
      const fan = (fanIn.get(e.to) ?? 0) > FAN_IN;
      edgeLayer.append(
        svgEl('path', {
          class: ['edge', skip && 'skip', bad && 'error', fan && 'fan-in'].filter(Boolean).join(' '),
          d: pathOf(points),
          'data-from': String(e.from),
          'data-to': String(e.to),
          ...(fan ? {} : { 'marker-end': 'url(#arrow)' }),
        }),
      );
    });
    const nodeLayer = svgEl('g', { class: 'nodes' });
    for (const n of graph.nodes) {
      const p = layout.nodes.get(n.id) ?? { x: 0, y: 0 };
      const block = graph.blockOf(n.id);
      if (block) nodeLayer.append(blockNode(block, rows, p));
      else if (n.id < 0) nodeLayer.append(layerNode({ id: -1, type: 'input', name: '', shape: view.inputShape, error: false, warning: false }, p));
      else {
        const r = rows[n.id]!;
        nodeLayer.append(
          layerNode({ id: r.index, type: r.type, name: r.name, shape: r.outputShape, summary: r.summary, error: r.errors.length > 0, warning: r.warnings.length > 0, tip: [...r.errors, ...r.warnings].join('\n') }, p),
        );
      }
    }
    c.append(frames, edgeLayer, nodeLayer);
    const skips = edgeLayer.querySelectorAll('.skip').length;
    const collapsed = graph.nodes.filter((n) => graph.blockOf(n.id)).length;
    s.setAttribute(
      'aria-label',
      `Model graph: ${rows.length} layers, ${graph.edges.length} connections${skips ? `, ${skips} of them shortcuts or branches` : ''}${collapsed ? `, ${collapsed} repeated blocks collapsed` : ''}`,
    );
    this.element.classList.toggle('with-minimap', rows.length > MINIMAP_ABOVE);
    if (rows.length > MINIMAP_ABOVE) this.minimap.draw(layout, graph.nodes);
    // Keep the view where it was after an edit; the first draw places it (draw()).
    this.viewport.set(this.viewport.transform);
  }

  /** Selection marks only: the layout stays. A selected layer inside a collapsed block marks the block. */
  private mark(selected: number, range: Range): void {
    if (this.showingVolumes) return markVolumes(this.content, selected, range.first, range.last);
    const graph = this.graph;
    if (!graph) return;
    const selNode = selected >= 0 ? graph.nodeOf(selected) : -2;
    for (const g of this.svg.querySelectorAll<SVGGElement>('g.node')) {
      const first = Number(g.dataset.first ?? g.dataset.row);
      const last = Number(g.dataset.last ?? g.dataset.row);
      // Nothing selected (−1) is not the model input's node (−1).
      const on = selected >= 0 && (g.dataset.block ? graph.nodeOf(first) === selNode : first === selected);
      g.classList.toggle('selected', on);
      g.classList.toggle('in-range', !on && range.first >= 0 && last >= range.first && first <= range.last);
    }
    for (const e of this.svg.querySelectorAll<SVGPathElement>('path.edge')) {
      e.classList.toggle('selected', Number(e.dataset.to) === selNode || Number(e.dataset.from) === selNode);
    }
  }
}
