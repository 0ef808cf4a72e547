// The diagram as a file for a report or a slide: a standalone SVG — the theme's colours and fonts written
// into each element, since var(--vscode-*) means nothing outside VS Code — or a PNG drawn from it.

/** Presentation properties the stylesheet sets on the diagram's elements. */
const PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray', 'opacity', 'font-family', 'font-size', 'font-weight', 'display', 'visibility'] as const;
/** The largest PNG side: browsers refuse canvases much beyond this. */
const MAX_PNG_SIDE = 16_384;

/** A copy of `svg` at life size (no pan or zoom), on the editor's background, with computed styles inline. */
export function standaloneSvg(svg: SVGSVGElement, width: number, height: number): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((el, i) => {
    const target = to[i];
    if (!(target instanceof SVGElement) || !(el instanceof SVGElement)) return;
    const cs = getComputedStyle(el);
    const decl = PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';');
    target.setAttribute('style', decl);
    target.removeAttribute('class');
  });
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  copy.setAttribute('viewBox', `0 0 ${width} ${height}`);
  copy.removeAttribute('id');
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', getComputedStyle(document.body).backgroundColor || '#ffffff');
  copy.insertBefore(bg, copy.firstChild);
  // The copy's root style is its own (no transform, no position): only the font matters there.
  copy.setAttribute('style', `font-family:${getComputedStyle(svg).fontFamily};font-size:${getComputedStyle(svg).fontSize}`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}`;
}

/** The SVG drawn on a canvas at twice its size (at most MAX_PNG_SIDE), as base64 PNG. */
export async function svgToPng(svgText: string): Promise<string> {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const width = Number(doc.documentElement.getAttribute('width')) || 1;
  const height = Number(doc.documentElement.getAttribute('height')) || 1;
  const scale = Math.min(2, MAX_PNG_SIDE / width, MAX_PNG_SIDE / height);
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the browser could not draw the SVG'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2-D canvas');
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  } finally {
    URL.revokeObjectURL(url);
  }
}
