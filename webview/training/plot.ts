// The activation function of an explained cell drawn as a small plot with the cell's point (z, f(z)) on it:
// curve, axes and point in theme colours read when drawn (the panel redraws on a theme change).
import { activate } from '../../src/model/activations';
import type { ActivationName } from '../../src/model/types';
import { h } from '../shared/dom';
import { themeCss } from './colors';

const W = 200;
const H = 120;
const PAD = 8;

/** The curve over a range that holds z (at least −4…4; relu6 to 7), with the point marked. */
export function activationPlot(name: Exclude<ActivationName, 'softmax'>, alpha: number, z: number, out: number): HTMLCanvasElement {
  const scale = Math.max(1, Math.round(window.devicePixelRatio || 1));
  const canvas = h('canvas', { class: 'activation-plot', width: W * scale, height: H * scale, role: 'img', 'aria-label': `${name}(z) with the point z = ${z}, ${name}(z) = ${out}` });
  canvas.style.width = `${W}px`;
  canvas.style.height = `${H}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  ctx.scale(scale, scale);
  const span = Math.max(4, Math.abs(z) * 1.25, name === 'relu6' ? 7 : 0);
  const x0 = -span;
  const x1 = span;
  const xs = Array.from({ length: 161 }, (_, i) => x0 + ((x1 - x0) * i) / 160);
  const ys = xs.map((x) => activate(name, x, alpha));
  let y0 = Math.min(...ys, out, 0);
  let y1 = Math.max(...ys, out, 0);
  if (y1 - y0 < 1e-9) {
    y0 -= 1;
    y1 += 1;
  }
  const margin = (y1 - y0) * 0.08;
  y0 -= margin;
  y1 += margin;
  const px = (x: number): number => PAD + ((x - x0) / (x1 - x0)) * (W - 2 * PAD);
  const py = (y: number): number => H - PAD - ((y - y0) / (y1 - y0)) * (H - 2 * PAD);
  const axis = themeCss('--vscode-descriptionForeground', '#888');
  const curve = themeCss('--vscode-charts-blue', '#3794ff');
  const point = themeCss('--vscode-charts-red', '#f14c4c');
  ctx.lineWidth = 1;
  ctx.strokeStyle = axis;
  ctx.beginPath();
  ctx.moveTo(PAD, py(0));
  ctx.lineTo(W - PAD, py(0));
  ctx.moveTo(px(0), PAD);
  ctx.lineTo(px(0), H - PAD);
  ctx.stroke();
  ctx.strokeStyle = curve;
  ctx.lineWidth = 2;
  ctx.beginPath();
  xs.forEach((x, i) => (i === 0 ? ctx.moveTo(px(x), py(ys[i])) : ctx.lineTo(px(x), py(ys[i]))));
  ctx.stroke();
  // Dashed guides from the axes to the point, then the point.
  ctx.setLineDash([3, 3]);
  ctx.strokeStyle = point;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(px(z), py(0));
  ctx.lineTo(px(z), py(out));
  ctx.lineTo(px(0), py(out));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = point;
  ctx.beginPath();
  ctx.arc(px(z), py(out), 4, 0, 2 * Math.PI);
  ctx.fill();
  return canvas;
}
