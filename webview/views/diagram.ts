// The "feature map blocks" strip: each layer's output volume as a box whose height follows the spatial size
// and whose depth follows the channels (log scale), flat vectors as bars. Colours come from the theme's
// CSS variables via computed style, re-read when VS Code switches theme (the body class changes).
import { formatDims } from '../../src/model/format';
import type { DesignerView } from '../../src/protocol/webview';
import { h } from '../dom';

interface Block {
  readonly x: number;
  readonly width: number;
  readonly row: number;
}

const HEIGHT = 150;
const LABEL = 16;
const GAP = 14;

export class Diagram {
  readonly element: HTMLElement;
  private readonly canvas = h('canvas', { id: 'diagram-canvas', role: 'img' });
  private blocks: Block[] = [];
  private last: { view: DesignerView; selected: number } | undefined;

  constructor(onSelect: (row: number) => void) {
    this.element = h('section', { id: 'diagram', class: 'diagram', 'aria-label': 'Feature map diagram' }, this.canvas);
    this.canvas.addEventListener('click', (e) => {
      const x = e.offsetX;
      const hit = this.blocks.find((b) => x >= b.x && x <= b.x + b.width);
      if (hit && hit.row >= 0) onSelect(hit.row);
    });
    new MutationObserver(() => this.redraw()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  draw(view: DesignerView, selected: number): void {
    this.last = { view, selected };
    this.redraw();
  }

  private redraw(): void {
    if (!this.last) return;
    const { view, selected } = this.last;
    const css = getComputedStyle(document.body);
    const color = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
    const fg = color('--vscode-foreground', '#888');
    const fill = color('--vscode-charts-blue', '#3794ff');
    const flat = color('--vscode-charts-purple', '#b180d7');
    const accent = color('--vscode-focusBorder', '#007fd4');
    const error = color('--vscode-errorForeground', '#f14c4c');
    const font = `${css.getPropertyValue('--vscode-font-size').trim() || '12px'} ${css.getPropertyValue('--vscode-font-family').trim() || 'sans-serif'}`;

    const volumes = [{ shape: view.inputShape, row: -1, error: false }, ...view.rows.map((r) => ({ shape: r.outputShape, row: r.index, error: r.errors.length > 0 }))];
    // reduce, not Math.max(...): a spread of 200,000 layers overflows the stack.
    const maxSide = volumes.reduce((m, v) => Math.max(m, v.shape && v.shape.length === 3 ? Math.max(v.shape[0]!, v.shape[1]!) : 1), 1);
    const maxFlat = volumes.reduce((m, v) => Math.max(m, v.shape && v.shape.length !== 3 ? (v.shape[0] ?? 1) : 1), 2);
    const room = HEIGHT - LABEL - 24;
    const side = (n: number): number => Math.max(4, (n / maxSide) * room);
    const depth = (c: number): number => Math.min(48, 3 + 4 * Math.log2(c + 1));

    const dpr = window.devicePixelRatio || 1;
    const sizes = volumes.map((v) => (v.shape?.length === 3 ? depth(v.shape[2]!) + side(v.shape[1]!) * 0.4 : 8) + GAP);
    const width = Math.max(sizes.reduce((a, b) => a + b, GAP), 100);
    this.canvas.width = Math.ceil(width * dpr);
    this.canvas.height = Math.ceil(HEIGHT * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${HEIGHT}px`;
    this.canvas.setAttribute('aria-label', volumes.map((v) => (v.shape ? formatDims(v.shape) : '?')).join(' → '));
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    ctx.font = font;
    ctx.textAlign = 'center';
    this.blocks = [];
    let x = GAP;
    const base = HEIGHT - LABEL - 4;
    volumes.forEach((v, i) => {
      const w = sizes[i]! - GAP;
      const stroke = v.row === selected ? accent : v.error ? error : fg;
      ctx.lineWidth = v.row === selected ? 2 : 1;
      ctx.strokeStyle = stroke;
      if (!v.shape) {
        ctx.setLineDash([3, 3]);
        ctx.strokeRect(x, base - 20, w, 20);
        ctx.setLineDash([]);
      } else if (v.shape.length === 3) {
        const hgt = side(v.shape[0]!);
        const d = depth(v.shape[2]!);
        const off = side(v.shape[1]!) * 0.4;
        ctx.fillStyle = fill;
        ctx.globalAlpha = 0.35;
        ctx.beginPath();
        ctx.moveTo(x, base - hgt);
        ctx.lineTo(x + off, base - hgt - off * 0.5);
        ctx.lineTo(x + off + d, base - hgt - off * 0.5);
        ctx.lineTo(x + off + d, base - off * 0.5);
        ctx.lineTo(x + d, base);
        ctx.lineTo(x, base);
        ctx.closePath();
        ctx.fill();
        ctx.globalAlpha = 1;
        ctx.stroke();
        ctx.strokeRect(x, base - hgt, d, hgt);
      } else {
        const hgt = Math.max(4, (Math.log2((v.shape[0] ?? 1) + 1) / Math.log2(maxFlat + 1)) * room);
        ctx.fillStyle = flat;
        ctx.fillRect(x, base - hgt, w, hgt);
        ctx.strokeRect(x, base - hgt, w, hgt);
      }
      ctx.fillStyle = stroke;
      ctx.fillText(v.row < 0 ? 'in' : String(v.row), x + w / 2, HEIGHT - 4);
      this.blocks.push({ x, width: w, row: v.row });
      x += sizes[i]!;
    });
  }
}
