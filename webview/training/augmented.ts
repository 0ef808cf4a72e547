// "What the network sees": the run's first training samples after training.augmentation, as tiles (the same
// draws `cnn augment-preview` makes for the run's seed, drawn small here).
import type { AugmentedSamplesView } from '../../src/protocol/training';
import { h } from '../shared/dom';
import { heatmap } from './heatmap';

/** Tiles are shown at least this wide (CSS pixels; small inputs are scaled up, pixelated). */
const TILE = 72;

export function renderAugmented(view: AugmentedSamplesView): HTMLElement {
  const [n = 0, hgt = 0, wid = 0, c = 0] = view.shape;
  const size = hgt * wid * c;
  const scale = Math.max(1, Math.ceil(TILE / Math.max(hgt, wid, 1)));
  const tiles = Array.from({ length: n }, (_, i) => {
    const canvas = heatmap(view.data.subarray(i * size, (i + 1) * size), hgt, wid, c, 0, 0, 255, c >= 3, 'thumb');
    canvas.style.width = `${wid * scale}px`;
    canvas.style.height = `${hgt * scale}px`;
    canvas.setAttribute('aria-label', `augmented training sample ${i + 1}`);
    return canvas;
  });
  return h(
    'section',
    { class: 'augmented', 'aria-label': 'Augmented training samples' },
    h('h3', {}, 'What the network sees'),
    h('p', { class: 'hint' }, `The first ${n} training samples after training.augmentation (seed ${view.seed}). cnn augment-preview writes a larger grid.`),
    h('div', { class: 'augmented-tiles' }, ...tiles),
  );
}
