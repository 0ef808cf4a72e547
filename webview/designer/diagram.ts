// The model as a graph, top to bottom, in a pane that pans and zooms (viewport.ts): one node per layer
// (type, short name, output shape) and one for the model input, an edge from each input to the layer that
// reads it — shortcuts and branches in their own colour; merge layers are circles (+ add, ∥ concatenate).
// Repeated blocks (blocks.ts) collapse into one node, "denseblock3: 24 × dense layer"; a click expands
// one, the ▾ on its frame collapses it again. Past 100 nodes drawn a minimap shows where the pane is (not
// past 100 layers: DenseNet-121's 370 collapse into 27 nodes).
// SVG, so the theme colours come from the stylesheet's var(--vscode-*) and follow a theme switch.
// Work done per change (diagramPlan.ts): blocks when the layers' structure changes, the layout when the
// visible nodes and edges do (an edit of settings, names or shapes re-lays out nothing), the elements of the
// nodes whose text changed when the layout stays (all of them when it moves), and on a selection change only
// the marks.
import './diagram.css';
import { implicitInput } from '../../src/model/types';
import { button, h } from '../shared/dom';
import type { Block } from './blocks';
import { DiagramPlanner, nodeContent, structureKey, type DiagramPlan } from './diagramPlan';
import type { GraphLayout } from './graphLayout';
import type { DiagramView } from './diagramView';
import type { VisibleGraph } from './graphModel';
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
/** Nodes drawn (not layers) past which the minimap shows. */
export const MINIMAP_ABOVE = 100;
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
  private readonly planner = new DiagramPlanner();
  private keys: { view: DiagramView; structure: string; shown: string } | undefined;
  private drawnKey = '';
  private graph: VisibleGraph | undefined;
  private layout: GraphLayout | undefined;
  /** The graph's elements as drawn, by node id and edge order: an edit that moves nothing replaces only some. */
  private drawn: DrawnGraph | undefined;
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
      const structure = structureKey(view.rows);
      // The messages themselves, not their count: they are the nodes' tooltips.
      const shown = JSON.stringify([view.inputShape, view.rows.map((r) => [r.name, r.outputShape, r.errors, r.warnings, r.inputs.map((i) => i.error !== undefined)])]);
      this.keys = { view, structure, shown };
    }
    const structure = this.keys.structure;
    // Found here (cached by the structure) to time them apart from the layout.
    this.planner.blocksOf(view.rows, structure);
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
      const plan = this.planner.plan(view.rows, structure, (blocks) => this.expandedSet(view, blocks), (t) => MERGE_TYPES.includes(t));
      const t2 = performance.now();
      this.graph = plan.graph;
      this.layout = plan.layout;
      this.drawnKey = key;
      // The same layout as drawn: the positions stand, only the nodes whose text changed are drawn again.
      const redrawn = this.drawn?.layout === plan.layout ? this.update(view, plan, this.drawn) : this.render(view, plan);
      const t3 = performance.now();
      times = { blocksMs: t1 - t0, layoutMs: t2 - t1, renderMs: t3 - t2 };
      const d = this.element.dataset;
      d.layoutMs = times.layoutMs.toFixed(1);
      d.renderMs = times.renderMs.toFixed(1);
      d.blocksMs = times.blocksMs.toFixed(1);
      // For the e2e: layouts computed since the pane opened, and the nodes the last draw made anew.
      d.layouts = String(this.planner.layoutsComputed);
      d.nodesDrawn = String(redrawn);
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
    this.drawn = undefined;
    this.viewport.set(this.viewport.transform);
  }

  /** The picture as a standalone SVG document (theme colours written in). */
  private exportSvg(): string {
    const w = Number(this.svg.getAttribute('width'));
    const hgt = Number(this.svg.getAttribute('height'));
    return standaloneSvg(this.svg, w, hgt);
  }

  private expandedSet(view: DiagramView, blocks: readonly Block[]): Set<string> {
    const byDefault = view.rows.length <= COLLAPSE_ABOVE;
    return new Set(blocks.filter((b) => this.overrides[b.key] ?? byDefault).map((b) => b.key));
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

  /** Draws the graph anew; returns the nodes drawn. */
  private render(view: DiagramView, plan: DiagramPlan): number {
    const { graph, layout } = plan;
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
    frames.append(...this.frames(plan));
    const edgeLayer = svgEl('g', { class: 'edges' });
    // A concatenation of many earlier layers (DenseNet's): its inputs drawn thin and faint, without arrows.
    const fanIn = new Map<number, number>();
    for (const e of graph.edges) fanIn.set(e.to, (fanIn.get(e.to) ?? 0) + 1);
    const edges = graph.edges.map((e, i) => {
      const to = rows[e.to];
      const points = clipToMerge(layout.edges[i] ?? [], rows[e.from], to, layout);
      if (points.length < 2) return undefined;
      // A shortcut or branch: any edge other than "the next node reads the previous one".
      const skip = e.to < rows.length ? e.from !== implicitInput(e.to) && graph.nodeOf(implicitInput(e.to)) !== e.from : false;
      const fan = (fanIn.get(e.to) ?? 0) > FAN_IN;
      const path = svgEl('path', {
        class: ['edge', skip && 'skip', edgeBroken(rows, graph, i) && 'error', fan && 'fan-in'].filter(Boolean).join(' '),
        d: pathOf(points),
        'data-from': String(e.from),
        'data-to': String(e.to),
        ...(fan ? {} : { 'marker-end': 'url(#arrow)' }),
      });
      edgeLayer.append(path);
      return path;
    });
    const nodeLayer = svgEl('g', { class: 'nodes' });
    const nodes = new Map<number, SVGElement>();
    for (const n of graph.nodes) {
      const el = this.nodeElement(view, graph, layout, n.id);
      nodes.set(n.id, el);
      nodeLayer.append(el);
    }
    c.append(frames, edgeLayer, nodeLayer);
    this.drawn = { layout, blocks: plan.blocks, content: nodeContent(rows, view.inputShape, graph), nodes, edges, frames };
    this.label(view, plan);
    const minimap = graph.nodes.length > MINIMAP_ABOVE;
    this.element.classList.toggle('with-minimap', minimap);
    if (minimap) this.minimap.draw(layout, graph.nodes);
    // Keep the view where it was after an edit; the first draw places it (draw()).
    this.viewport.set(this.viewport.transform);
    return nodes.size;
  }

  /** Nothing moved: draws again the nodes whose text changed, marks the edges whose input broke or mended; returns the nodes drawn. */
  private update(view: DiagramView, plan: DiagramPlan, drawn: DrawnGraph): number {
    const { graph, layout } = plan;
    const content = nodeContent(view.rows, view.inputShape, graph);
    let redrawn = 0;
    for (const [id, text] of content) {
      if (drawn.content.get(id) === text) continue;
      const el = this.nodeElement(view, graph, layout, id);
      drawn.nodes.get(id)?.replaceWith(el);
      drawn.nodes.set(id, el);
      redrawn++;
    }
    drawn.content = content;
    drawn.edges.forEach((path, i) => path?.classList.toggle('error', edgeBroken(view.rows, graph, i)));
    // Blocks found again (a setting changed) may be named differently: their frames are few, drawn again.
    if (plan.blocks !== drawn.blocks) {
      drawn.frames.replaceChildren(...this.frames(plan));
      drawn.blocks = plan.blocks;
    }
    this.label(view, plan);
    return redrawn;
  }

  private nodeElement(view: DiagramView, graph: VisibleGraph, layout: GraphLayout, id: number): SVGElement {
    const p = layout.nodes.get(id) ?? { x: 0, y: 0 };
    const block = graph.blockOf(id);
    if (block) return blockNode(block, view.rows, p);
    if (id < 0) return layerNode({ id: -1, type: 'input', name: '', shape: view.inputShape, error: false, warning: false }, p);
    const r = view.rows[id]!;
    return layerNode({ id: r.index, type: r.type, name: r.name, shape: r.outputShape, summary: r.summary, error: r.errors.length > 0, warning: r.warnings.length > 0, tip: [...r.errors, ...r.warnings].join('\n') }, p);
  }

  /** The frames of the expanded blocks. */
  private frames(plan: DiagramPlan): SVGElement[] {
    return plan.blocks.filter((b) => plan.graph.nodeOf(b.first) === b.first).map((b) => blockFrame(b, plan.layout, plan.graph));
  }

  private label(view: DiagramView, { graph }: DiagramPlan): void {
    const skips = this.svg.querySelectorAll('path.edge.skip').length;
    const collapsed = graph.nodes.filter((n) => graph.blockOf(n.id)).length;
    this.svg.setAttribute(
      'aria-label',
      `Model graph: ${view.rows.length} layers, ${graph.edges.length} connections${skips ? `, ${skips} of them shortcuts or branches` : ''}${collapsed ? `, ${collapsed} repeated blocks collapsed` : ''}`,
    );
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

interface DrawnGraph {
  readonly layout: GraphLayout;
  blocks: readonly Block[];
  content: Map<number, string>;
  readonly nodes: Map<number, SVGElement>;
  readonly edges: readonly (SVGPathElement | undefined)[];
  readonly frames: SVGGElement;
}

/** Edge `i` feeds an input that does not fit (drawn red), unless its target is a collapsed block. */
function edgeBroken(rows: DiagramView['rows'], graph: VisibleGraph, i: number): boolean {
  const e = graph.edges[i]!;
  return rows[e.to]?.inputs[e.element]?.error !== undefined && graph.nodeOf(e.to) === e.to;
}
