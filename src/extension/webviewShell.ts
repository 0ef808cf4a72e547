// The HTML of every webview, as a pure function of its parts (webviewHtml.ts reads the parts; unit-tested
// without VS Code). The bundle and its stylesheet are written into the page, under the CSP nonce: each file a
// webview loads from the extension goes webview → service worker → workbench → server and back, about 80 ms
// for the designer's pair on a warm code-server, before its script can start. A file that could end its
// element early (`</script`, `<!--`), or a stylesheet with a url(), is linked instead.
export interface Asset {
  /** The file's text, written into the page; absent: linked by `href`. */
  readonly text?: string;
  /** The webview URI of the file. */
  readonly href: string;
}

export interface ShellParts {
  readonly nonce: string;
  /** The webview's own origin (Webview.cspSource), the only one linked resources and fonts may come from. */
  readonly cspSource: string;
  readonly title: string;
  readonly loading: string;
  readonly script: Asset;
  readonly style: Asset;
  /** JSON the script reads at start (`<script type="application/json" id="initial">`): no round trip to the host for it. */
  readonly initial?: unknown;
  /** `data-*` attributes of the page's <main> (the host's timings, for the e2e's record). */
  readonly dataset?: Readonly<Record<string, string>>;
}

/**
 * Whether `text` can stand inside a <script> or <style> element without ending it or opening a comment there
 * (and, a stylesheet, without a url() that would resolve against the page instead of dist/).
 */
export function embeddable(text: string, element: 'script' | 'style'): boolean {
  return !new RegExp(`</${element}|<!--${element === 'style' ? '|url\\(' : ''}`, 'i').test(text);
}

/** JSON written into a data block: `<` escaped (JSON.parse reads \u003c back), so nothing in it ends the element. */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function shellHtml(parts: ShellParts): string {
  const { nonce, cspSource } = parts;
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const style =
    parts.style.text !== undefined && embeddable(parts.style.text, 'style')
      ? `<style nonce="${nonce}">${parts.style.text}</style>`
      : `<link rel="stylesheet" href="${esc(parts.style.href)}">`;
  const script =
    parts.script.text !== undefined && embeddable(parts.script.text, 'script')
      ? `<script nonce="${nonce}">${parts.script.text}</script>`
      : `<script nonce="${nonce}" src="${esc(parts.script.href)}"></script>`;
  const data = Object.entries(parts.dataset ?? {})
    .filter(([k]) => /^[a-z][a-z0-9-]*$/.test(k))
    .map(([k, v]) => ` data-${k}="${esc(v)}"`)
    .join('');
  const initial = parts.initial === undefined ? '' : `<script type="application/json" id="initial">${jsonForHtml(parts.initial)}</script>\n`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${style}
<title>${esc(parts.title)}</title>
</head>
<body>
<main id="app" aria-busy="true"${data}><p class="loading">${esc(parts.loading)}</p></main>
${initial}${script}
</body>
</html>`;
}
