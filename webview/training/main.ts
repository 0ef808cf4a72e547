// Training view entry: the host replays the run on `ready` and streams progress, epochs and feature maps;
// this file keeps the last of each and re-renders. Only small UI state (log scale, sample, selected cell)
// goes through setState (DESIGN.md §5).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import './training.css';
import { assertNever } from '../../src/model/assertNever';
import { formatBytes } from '../../src/model/format';
import type { AugmentedSamplesView, BatchView, FeatureMapsView, RunSnapshot, TrainingHostMessage } from '../../src/protocol/training';
import { button, h, replaceContent } from '../shared/dom';
import { Chart, epochTable, onThemeChange } from './charts';
import { connect } from './host';
import { AttributionBlock } from './attribution';
import { renderAugmented } from './augmented';
import { ExplainPanel } from './explain';
import { renderHealth } from './health';
import { renderKernels } from './kernels';
import { renderMaps } from './maps';
import { renderResults } from './results';

interface UiState {
  logScale: boolean;
  smoothing: boolean;
  split: 'train' | 'test';
  index: number;
  selected?: [number, number];
}

const host = connect(onMessage);
// Issue 13: the cell explanation panel and the two "where the model looks" blocks outlive every re-render.
const inside = { panel: new ExplainPanel(host), attribution: new AttributionBlock(host, 'sample-attribution', 'Where the model looks') };
const misclassifiedAttribution = new AttributionBlock(host, 'misclassified-attribution', 'Where the model looks in this sample');
const saved = host.getState() as Partial<UiState> | undefined;
const ui: UiState = { logScale: saved?.logScale === true, smoothing: saved?.smoothing === true, split: saved?.split === 'train' ? 'train' : 'test', index: Number.isInteger(saved?.index) ? Number(saved?.index) : 0, selected: saved?.selected };
let run: RunSnapshot | undefined;
let batch: BatchView | undefined;
let maps: FeatureMapsView | undefined;
let mapsError: string | undefined;
let augmented: AugmentedSamplesView | undefined;

const app = document.getElementById('app') ?? document.body;
const header = h('header', { class: 'run-header' });
const lossChart = new Chart('loss', 'Loss');
const accChart = new Chart('accuracy', 'Accuracy');
const table = h('div', { class: 'table-wrap' });
const mapsRegion = h('div', { class: 'maps-region' });
const healthRegion = h('div', { class: 'health-region' });
const kernelsRegion = h('div', { class: 'kernels-region' });
const resultsRegion = h('div', { class: 'results-region' });
const augmentedRegion = h('div', { class: 'augmented-region' });
let laidOut = false;

function onMessage(msg: TrainingHostMessage): void {
  switch (msg.type) {
    case 'init':
      run = msg.run;
      maps = msg.maps ?? maps;
      augmented = msg.augmented ?? augmented;
      layout();
      renderAll();
      break;
    case 'run':
      run = msg.run;
      if (run.phase !== 'running') batch = undefined;
      if (run.phase === 'loading') augmented = undefined; // a new run: its own samples follow once its data is loaded
      renderAll();
      break;
    case 'progress':
      batch = msg.batch;
      renderProgress();
      renderCharts();
      break;
    case 'featureMaps':
      maps = msg.maps;
      mapsError = undefined;
      renderMapsRegion();
      break;
    case 'mapsError':
      mapsError = msg.message;
      renderMapsRegion();
      break;
    case 'augmentedSamples':
      augmented = msg.samples;
      renderAugmentedRegion();
      break;
    case 'fatal':
      replaceContent(app, [h('div', { class: 'fatal', role: 'alert' }, msg.message)]);
      break;
    default:
      return assertNever(msg, 'message');
  }
}

function save(): void {
  host.setState(ui);
}

function layout(): void {
  if (laidOut) return;
  laidOut = true;
  const logToggle = h('input', { type: 'checkbox', id: 'log-scale', checked: ui.logScale });
  const smoothToggle = h('input', { type: 'checkbox', id: 'smoothing', checked: ui.smoothing });
  smoothToggle.addEventListener('change', () => {
    ui.smoothing = smoothToggle.checked;
    lossChart.setSmoothing(ui.smoothing);
    accChart.setSmoothing(ui.smoothing);
    save();
  });
  logToggle.addEventListener('change', () => {
    ui.logScale = logToggle.checked;
    lossChart.setLogScale(ui.logScale);
    save();
  });
  replaceContent(app, [
    header,
    h('section', { class: 'curves', 'aria-label': 'Curves' }, h('div', { class: 'chart-tools' }, h('label', { for: 'log-scale' }, logToggle, ' log-scale loss'), h('label', { for: 'smoothing' }, smoothToggle, ' smoothing')), h('div', { class: 'charts' }, lossChart.element, accChart.element)),
    table,
    augmentedRegion,
    healthRegion,
    h('h2', {}, 'Inside the network'),
    sampleBar(),
    mapsRegion,
    kernelsRegion,
    resultsRegion,
  ]);
  app.removeAttribute('aria-busy');
  lossChart.setLogScale(ui.logScale);
  lossChart.setSmoothing(ui.smoothing);
  accChart.setSmoothing(ui.smoothing);
  onThemeChange(() => {
    lossChart.rebuild();
    accChart.rebuild();
    renderKernelsRegion();
  });
}

function sampleBar(): HTMLElement {
  const split = h('select', { id: 'sample-split', 'aria-label': 'Data set' }, h('option', { value: 'test', selected: ui.split === 'test' }, 'test'), h('option', { value: 'train', selected: ui.split === 'train' }, 'train'));
  const index = h('input', { id: 'sample-index', type: 'number', min: 0, value: ui.index, 'aria-label': 'Sample index' });
  const inspect = (): void => {
    ui.split = split.value === 'train' ? 'train' : 'test';
    ui.index = Math.max(0, Math.floor(Number(index.value) || 0));
    save();
    host.send({ type: 'inspect', split: ui.split, index: ui.index });
  };
  index.addEventListener('change', inspect);
  split.addEventListener('change', inspect);
  return h('div', { class: 'sample-bar' }, h('label', { for: 'sample-index' }, 'Sample'), split, index, button('Show', { id: 'inspect' }, inspect), button('Image file…', { id: 'pick-image' }, () => host.send({ type: 'pickImage' })));
}

function renderAll(): void {
  renderHeader();
  renderCharts();
  replaceContent(table, run && run.history.length ? [epochTable(run.history)] : []);
  renderHealthRegion();
  renderAugmentedRegion();
  renderMapsRegion();
  renderResultsRegion();
}

const PHASE_TEXT: Record<RunSnapshot['phase'], string> = {
  idle: 'Not trained yet',
  loading: 'Loading data…',
  running: 'Training',
  stopping: 'Stopping…',
  completed: 'Completed',
  stopped: 'Stopped (last checkpoint kept)',
  earlyStopped: 'Stopped early (best weights kept)',
  diverged: 'Diverged',
  failed: 'Failed',
};

const isActive = (r: RunSnapshot): boolean => r.phase === 'loading' || r.phase === 'running' || r.phase === 'stopping';

/** The status line: phase, what early stopping kept, and the live batch progress. */
function phaseText(r: RunSnapshot): string {
  const b = isActive(r) ? batch : undefined;
  const progress = b ? ` · epoch ${b.epoch}/${b.epochs}, batch ${b.batch}/${b.batches} · loss ${b.loss.toFixed(4)} · acc ${(100 * b.accuracy).toFixed(1)}% · ${Math.round(b.samplesPerSecond)} samples/s` : '';
  return PHASE_TEXT[r.phase] + (r.selection ? `: epoch ${r.selection.bestEpoch}, the best ${r.selection.on}` : '') + progress;
}

/** Per batch only the status line changes: rebuilding the header would replace the Stop button under the pointer. */
function renderProgress(): void {
  const phase = header.querySelector('#phase');
  if (run && phase) phase.textContent = phaseText(run);
  else renderHeader();
}

function renderHeader(): void {
  if (!run) return;
  const active = isActive(run);
  const engineBytes = run.history[run.history.length - 1]?.engineBytes;
  replaceContent(header, [
    h('h1', {}, `Training: ${run.modelName}`),
    h('p', { class: `phase phase-${run.phase}`, id: 'phase', role: 'status' }, phaseText(run)),
    run.description ? h('p', { class: 'meta' }, run.description) : null,
    run.frozenFeatures ? h('p', { class: 'meta', id: 'frozen-features' }, run.frozenFeatures) : null,
    engineBytes !== undefined ? h('p', { class: 'meta', id: 'engine-memory' }, `Engine memory ${formatBytes(engineBytes)} (activations, parameters, gradients, optimizer state and scratch, planned once)`) : null,
    run.message ? h('p', { class: 'error-message', role: 'alert' }, run.message) : null,
    actionsFor(active),
  ]);
}

/** The Stop or Train button, kept while the run stays (in)active: every epoch re-renders the header, and a new
 *  button each time would be replaced under the pointer (a click during fast epochs kept missing it). */
function actionsFor(active: boolean): HTMLElement {
  const current = header.querySelector<HTMLElement>('.actions');
  if (current && current.dataset.active === String(active)) return current;
  return h(
    'div',
    { class: 'actions', 'data-active': String(active) },
    active ? button('Stop', { id: 'stop' }, () => host.send({ type: 'stop' })) : button('Train', { id: 'train' }, () => host.send({ type: 'train' }), false),
  );
}

function renderCharts(): void {
  const history = run?.history ?? [];
  const live = run?.phase === 'running' ? batch : undefined;
  lossChart.update(history, live);
  accChart.update(history, live);
}

function renderMapsRegion(): void {
  if (maps) replaceContent(mapsRegion, [renderMaps(maps, inside)]);
  else replaceContent(mapsRegion, [h('p', { class: 'hint' }, mapsError ?? 'Feature maps appear when the model has weights (after the first epoch).')]);
  renderKernelsRegion();
}

function renderAugmentedRegion(): void {
  replaceContent(augmentedRegion, augmented ? [renderAugmented(augmented)] : []);
}

function renderHealthRegion(): void {
  replaceContent(healthRegion, [renderHealth(run?.history ?? [], renderHealthRegion)]);
}

function renderKernelsRegion(): void {
  replaceContent(kernelsRegion, maps?.layerKernels?.length ? [renderKernels(maps.layerKernels)] : []);
}

function renderResultsRegion(): void {
  const ev = run?.evaluation;
  if (!ev) return replaceContent(resultsRegion, []);
  replaceContent(resultsRegion, [
    renderResults(ev, {
      selected: ui.selected,
      select: (cell) => {
        ui.selected = cell ? [cell[0], cell[1]] : undefined;
        save();
        renderResultsRegion();
      },
      openSample: (index) => host.send({ type: 'openSample', index }),
      attribution: misclassifiedAttribution,
    }),
  ]);
}
