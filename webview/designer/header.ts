// Model name, input shape and the document-wide problems (syntax, input, training) above the table.
import type { DesignerView } from '../../src/protocol/designer';
import { button, h } from '../shared/dom';
import type { Actions } from './state';

export function renderHeader(view: DesignerView, actions: Actions): HTMLElement {
  const name = h('vscode-textfield', { id: 'model-name', 'data-focus-key': 'model-name', 'aria-label': 'Model name' });
  name.value = view.name;
  name.addEventListener('change', () => {
    const v = name.value.trim();
    if (v && v !== view.name) actions.send({ type: 'editField', path: ['name'], value: v });
  });

  const dims = ['height', 'width', 'channels'].map((label, i) => {
    const f = h('vscode-textfield', { class: 'dim', 'data-dim': label, 'data-focus-key': `input-${label}`, 'aria-label': `Input ${label}` });
    f.value = view.inputShape?.[i] !== undefined ? String(view.inputShape[i]) : '';
    return f;
  });
  const shapeError = h('span', { class: 'field-error', 'aria-live': 'polite' });
  const commitShape = (): void => {
    const values = dims.map((d) => d.value.trim());
    const bad = values.findIndex((v) => !/^\d+$/.test(v) || Number(v) < 1);
    dims.forEach((d, i) => (d.invalid = i === bad));
    shapeError.textContent = bad >= 0 ? 'each dimension is a whole number ≥ 1' : '';
    if (bad >= 0) return;
    const shape = values.map(Number) as [number, number, number];
    if (shape.join() !== (view.inputShape ?? []).join()) actions.send({ type: 'editInput', shape });
  };
  for (const d of dims) d.addEventListener('change', commitShape);

  return h(
    'header',
    { id: 'header', class: 'header' },
    h(
      'div',
      { class: 'title-row' },
      h('label', { for: 'model-name', class: 'visually-hidden' }, 'Model name'),
      name,
      h('span', { class: 'input-shape', id: 'input-shape', role: 'group', 'aria-label': 'Input shape' }, 'input', dims[0]!, '×', dims[1]!, '×', dims[2]!, shapeError),
      h(
        'span',
        { class: 'header-actions' },
        button('Train', { id: 'train', title: 'Train this model (CNN: Train Model)' }, () => actions.send({ type: 'runCommand', command: 'cnnStudio.train' }), false),
        button('Open as Text', { id: 'open-as-text' }, () => actions.send({ type: 'openAsText' })),
      ),
    ),
    view.description !== undefined && h('p', { class: 'description' }, view.description),
    view.problems.length > 0 && problemList(view.problems),
  );
}

/** One item per problem, appended in a loop: a broken file can have more problems than a call takes arguments. */
function problemList(problems: readonly string[]): HTMLElement {
  const list = h('ul', { id: 'problems', class: 'problems' });
  for (const p of problems) list.append(h('li', { class: 'error-message' }, p));
  return list;
}
