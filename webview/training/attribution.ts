// "Where the model looks" for one sample (issue 13): Grad-CAM (on the last convolution or a chosen layer) or
// saliency, for the predicted class or any chosen one, computed by the engine and drawn over the image
// (overlay.ts) with its legend. Used by the sample inspector (the inspected sample or image file) and by the
// misclassified samples of the confusion matrix.
import type { AttributionMethod, AttributionQuery, AttributionView } from '../../src/protocol/explain';
import type { ViewSample } from '../../src/protocol/training';
import { h, replaceContent } from '../shared/dom';
import { fmt } from './breakdown';
import { onThemeChange } from './charts';
import type { TrainingHost } from './host';
import { heatColors, legend, overlayCanvas } from './overlay';

const IMAGE_PX = 140;

const METHOD_TEXT: Record<AttributionMethod, string> = { gradCam: 'Grad-CAM', saliency: 'Saliency' };

export class AttributionBlock {
  readonly element: HTMLElement;
  private sample?: ViewSample;
  private sampleKey?: string;
  private method: AttributionMethod = 'gradCam';
  /** undefined: the predicted class / the default layer. */
  private classIndex?: number;
  private layerIndex?: number;
  private result?: AttributionView;
  private error?: string;
  private seq = 0;
  private loading = false;

  /** `id` prefixes the controls' ids (two blocks may be on the page). */
  constructor(
    private readonly host: Pick<TrainingHost, 'request'>,
    private readonly id: string,
    private readonly title: string,
  ) {
    this.element = h('section', { class: 'attribution', id, 'aria-label': title });
    onThemeChange(() => this.render());
  }

  /** Shows the sample; `key` tells samples apart (a new epoch's maps count as a new one: the weights moved). */
  show(sample: ViewSample, key: string): void {
    if (key === this.sampleKey && this.result) return this.render();
    if (JSON.stringify(sample) !== JSON.stringify(this.sample)) this.classIndex = undefined;
    this.sample = sample;
    this.sampleKey = key;
    void this.fetch();
  }

  private async fetch(): Promise<void> {
    const sample = this.sample;
    if (!sample) return;
    const seq = ++this.seq;
    this.loading = true;
    this.render();
    const query: AttributionQuery = {
      method: this.method,
      ...(this.classIndex !== undefined ? { classIndex: this.classIndex } : {}),
      ...(this.method === 'gradCam' && this.layerIndex !== undefined ? { layerIndex: this.layerIndex } : {}),
    };
    try {
      const r = await this.host.request<AttributionView>({ type: 'attribution', sample, query });
      if (seq !== this.seq) return;
      this.result = r;
      this.error = undefined;
    } catch (e) {
      if (seq !== this.seq) return;
      this.result = undefined;
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.loading = false;
    this.render();
  }

  private controls(r: AttributionView | undefined): HTMLElement {
    const method = h(
      'select',
      { id: `${this.id}-method`, 'data-focus-key': `${this.id}-method`, 'aria-label': 'Method' },
      (['gradCam', 'saliency'] as const).map((m) => h('option', { value: m, selected: m === this.method }, METHOD_TEXT[m])),
    );
    method.addEventListener('change', () => {
      this.method = method.value === 'saliency' ? 'saliency' : 'gradCam';
      void this.fetch();
    });
    const classes = r?.classes ?? [];
    const cls = h(
      'select',
      { id: `${this.id}-class`, 'data-focus-key': `${this.id}-class`, 'aria-label': 'Class' },
      h('option', { value: '', selected: this.classIndex === undefined }, r ? `predicted (${classes[r.predicted] ?? r.predicted})` : 'predicted'),
      classes.map((c, i) => h('option', { value: i, selected: this.classIndex === i }, c)),
    );
    cls.addEventListener('change', () => {
      this.classIndex = cls.value === '' ? undefined : Number(cls.value);
      void this.fetch();
    });
    const layers = r?.spatialLayers ?? [];
    const def = layers.find((l) => l.index === r?.defaultLayer);
    const layer = h(
      'select',
      { id: `${this.id}-layer`, 'data-focus-key': `${this.id}-layer`, 'aria-label': 'Grad-CAM layer', disabled: this.method !== 'gradCam' },
      h('option', { value: '', selected: this.layerIndex === undefined }, def ? `last convolution (${def.name})` : 'last convolution'),
      layers.map((l) => h('option', { value: l.index, selected: this.layerIndex === l.index }, `${l.name} (${l.type})`)),
    );
    layer.addEventListener('change', () => {
      this.layerIndex = layer.value === '' ? undefined : Number(layer.value);
      void this.fetch();
    });
    return h(
      'div',
      { class: 'attribution-tools' },
      h('label', {}, 'Method ', method),
      h('label', {}, 'Class ', cls),
      h('label', { class: this.method === 'gradCam' ? undefined : 'disabled' }, 'Layer ', layer),
    );
  }

  private render(): void {
    const r = this.result;
    const colors = heatColors();
    let figure: HTMLElement | null = null;
    if (r) {
      const [ih, iw] = r.imageShape;
      const size = (c: HTMLCanvasElement): HTMLCanvasElement => {
        c.style.width = `${IMAGE_PX}px`;
        c.style.height = `${Math.round((IMAGE_PX * ih) / iw)}px`;
        return c;
      };
      const heat = r.method === 'gradCam' ? r.heatmap : r.map;
      const label = r.classes[r.classIndex] ?? String(r.classIndex);
      const score = `${r.scoreKind === 'logit' ? 'logit' : 'output'} ${fmt(r.score)}`;
      const what = r.method === 'gradCam' ? `Grad-CAM on ${r.layerName} (${r.featureShape.join('×')}) for class ${label}` : `Saliency |∂score/∂pixel| for class ${label}`;
      const max = r.method === 'gradCam' ? r.camMax : r.maxAbs;
      const p = r.probabilities[r.predicted];
      figure = h(
        'div',
        { class: 'attribution-figure', 'data-method': r.method, 'data-class': r.classIndex, 'data-predicted': r.predicted, ...(r.method === 'gradCam' ? { 'data-layer': r.layerName } : {}) },
        h('figure', {}, size(overlayCanvas(r.image, r.imageShape, undefined, colors, 'overlay plain')), h('figcaption', {}, r.caption)),
        h('figure', {}, size(overlayCanvas(r.image, r.imageShape, heat, colors)), h('figcaption', { class: 'attribution-caption' }, what, h('span', { class: 'meta' }, ` · ${score}`))),
        h(
          'div',
          { class: 'attribution-side' },
          h('p', { class: 'attribution-predicted' }, 'Predicted ', h('strong', {}, r.classes[r.predicted] ?? String(r.predicted)), p !== undefined ? ` (${(100 * p).toFixed(1)}%)` : ''),
          legend(max, r.method === 'gradCam' ? 'ReLU(Σ wₖ·Aₖ), 1 = its maximum' : '|gradient|, 1 = its maximum', colors),
          max === 0 ? h('p', { class: 'hint' }, r.method === 'gradCam' ? 'Nothing in this layer speaks for the class (the map is 0 everywhere).' : 'The gradient is 0 everywhere.') : null,
        ),
      );
    }
    replaceContent(this.element, [
      h('h4', {}, this.title),
      this.controls(r),
      this.error ? h('p', { class: 'error-message' }, this.error) : null,
      this.loading && !r ? h('p', { class: 'hint' }, 'Computing…') : null,
      figure,
    ]);
    this.element.toggleAttribute('aria-busy', this.loading);
  }
}
