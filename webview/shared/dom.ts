// Tiny DOM builder: the views are plain functions from state to elements, no framework.
/** Arrays are appended in order: pass `rows.map(…)` as is, since spreading a long array into a call overflows the stack. */
type Child = Node | string | number | false | null | undefined | readonly Child[];
type Attrs = Record<string, string | number | boolean | undefined>;

/** h('td', { class: 'params', 'data-x': 1 }, '34,826'); `on*` handlers go through `on()`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(typeof c === 'number' ? String(c) : (c as Node | string));
  }
}

/** Replaces the element's content, keeping keyboard focus on the element with the same data-focus-key. */
export function replaceContent(el: Element, children: readonly Child[]): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && el.contains(active) ? active.dataset.focusKey : undefined;
  el.replaceChildren();
  append(el, children);
  if (key) restoreFocus(el, key);
}

/**
 * Focuses the new element with `key`. A web component (vscode-button, vscode-textfield) is not focusable
 * until its first render, a microtask after it is attached: then focus it once rendered, unless the focus
 * went somewhere else meanwhile.
 */
function restoreFocus(el: Element, key: string): void {
  const target = el.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`);
  if (!target) return;
  target.focus();
  if (document.activeElement === target) return;
  const rendered = (target as Partial<{ updateComplete: Promise<unknown> }>).updateComplete ?? Promise.resolve();
  void rendered.then(() => {
    const now = document.activeElement;
    if (target.isConnected && (now === null || now === document.body)) target.focus();
  });
}

export function button(label: string, attrs: Attrs, onClick: () => void, secondary = true): HTMLElement {
  const b = h('vscode-button', { ...attrs, secondary }, label);
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    onClick();
  });
  return b;
}
