// SVG element helpers for the diagram views (no inline style: the webview's CSP allows stylesheet rules only).
export const SVG_NS = 'http://www.w3.org/2000/svg';

export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

export function svgText(content: string, x: number, y: number, cls: string, anchor: 'start' | 'middle' | 'end' = 'middle'): SVGTextElement {
  const t = svgEl('text', { x: String(round(x)), y: String(round(y)), class: cls, 'text-anchor': anchor });
  t.textContent = content;
  return t;
}

export function svgTitle(content: string): SVGTitleElement {
  const t = svgEl('title');
  t.textContent = content;
  return t;
}

export function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** At most `max` characters, an ellipsis standing for the rest. */
export function fit(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
