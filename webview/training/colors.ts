// Canvas colours from the theme: a var(--vscode-*) read from computed style and turned into RGBA bytes by the
// canvas itself (themes write #rgb, #rrggbbaa or rgba()), so the explanation and overlay canvases follow light,
// dark and high-contrast themes and re-read them on a theme change.
import { cssVar } from './charts';

export type Rgba = readonly [number, number, number, number];

let probe: CanvasRenderingContext2D | null | undefined;

/** Any CSS colour as RGBA bytes (alpha 0–255); `fallback` when the canvas cannot tell. */
export function parseColor(css: string, fallback: Rgba = [128, 128, 128, 255]): Rgba {
  probe ??= document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  if (!probe) return fallback;
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = '#000000';
  probe.fillStyle = css;
  probe.fillRect(0, 0, 1, 1);
  const d = probe.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2], d[3]];
}

/** A theme colour as RGBA bytes. */
export function themeColor(name: string, fallback: string): Rgba {
  return parseColor(cssVar(name, fallback));
}

/** A theme colour as a CSS string for a canvas context. */
export function themeCss(name: string, fallback: string): string {
  return cssVar(name, fallback);
}

export function mix(a: Rgba, b: Rgba, t: number): Rgba {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t, a[3] + (b[3] - a[3]) * t];
}
