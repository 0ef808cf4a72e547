// Explanation requests in the worker (issue 13): one activation's arithmetic, saliency and Grad-CAM for a
// sample, computed by the engine (src/engine/explain) from the current weights: the running network between two
// batches, or else the weights saved beside the model (loaded once and kept while neither the model text nor the
// weights file changes, so moving through cells with the arrow keys costs one breakdown each).
import { stat } from 'node:fs/promises';
import type { Dataset } from '../engine/dataset';
import { defaultGradCamLayer, explainCell, gradCam, saliency } from '../engine/explain';
import type { Network } from '../engine/network';
import type { Tensor } from '../engine/tensor';
import { loadTrainedNetwork } from '../node/checkpoint/trainedNetwork';
import { weightsPath } from '../node/checkpoint/weightsFile';
import type { ModelAnalysis } from '../model/analysis';
import { inferShapes } from '../model/shapes';
import type { Model } from '../model/types';
import type { CellExplanation, GradCamView, SaliencyView, SpatialLayer } from '../protocol/explain';
import type { ExplainTarget, HostToWorker, SampleRef } from '../protocol/worker';
import { parseSnapshot, sampleInput } from './inspect';

/** What a running training run lends to explanations: its network (current weights) and its data. */
export interface LiveNetwork {
  readonly network: Network;
  readonly model: Model;
  readonly modelPath: string;
  readonly train: Dataset;
  readonly test?: Dataset;
}

/** The network, its analysis and one sample's input: everything a request needs. */
interface Subject {
  readonly network: Network;
  readonly analysis: ModelAnalysis;
  readonly image: Tensor;
  readonly caption: string;
  readonly classes: readonly string[];
  /** Every layer's output for the sample; cached with saved weights (they do not change under us). */
  readonly maps: readonly Tensor[];
}

type Msg<T extends HostToWorker['type']> = Extract<HostToWorker, { type: T }>;

const sampleKey = (s: SampleRef): string => (s.kind === 'file' ? `file:${s.path}` : `${s.split}:${s.index}`);

export class Explainer {
  private saved?: { readonly key: string; readonly network: Network; readonly analysis: ModelAnalysis; readonly model: Model; readonly classes?: readonly string[] };
  private sample?: { readonly key: string; readonly subject: Subject };

  /** `live` returns the running network, if a run has loaded its data. */
  constructor(private readonly live: () => LiveNetwork | undefined) {}

  async explainCell(msg: Msg<'explainCell'>): Promise<CellExplanation> {
    const s = await this.subject(msg);
    const { row, col, channel } = msg.position;
    return explainCell(s.network, s.analysis, s.image, msg.layer, row, col, channel, s.maps);
  }

  async saliency(msg: Msg<'saliency'>): Promise<SaliencyView> {
    const s = await this.subject(msg);
    const base = attributionBase(s);
    const r = saliency(s.network, s.image, msg.classIndex ?? base.predicted);
    return { ...base, method: 'saliency', classIndex: r.classIndex, scoreKind: r.scoreKind, score: r.score, map: r.map, maxAbs: r.maxAbs };
  }

  async gradCam(msg: Msg<'gradCam'>): Promise<GradCamView> {
    const s = await this.subject(msg);
    const base = attributionBase(s);
    const r = gradCam(s.network, s.analysis, s.image, msg.classIndex ?? base.predicted, msg.layerIndex);
    return {
      ...base,
      method: 'gradCam',
      classIndex: r.classIndex,
      scoreKind: r.scoreKind,
      score: r.score,
      layerIndex: r.layerIndex,
      layerName: r.layerName,
      featureShape: r.featureShape,
      heatmap: r.heatmap,
      camMax: r.camMax,
      weights: r.weights,
    };
  }

  private async subject(t: ExplainTarget): Promise<Subject> {
    const live = this.live();
    if (live) {
      // The weights move with every batch: nothing is cached.
      const { x, caption } = await sampleInput(t.sample, live.model, live.modelPath, { train: live.train, test: live.test });
      const image: Tensor = { shape: [...live.network.inputShape], data: x };
      return { network: live.network, analysis: inferShapes(live.model), image, caption, classes: live.train.classes, maps: live.network.featureMaps(image) };
    }
    const saved = await this.savedNetwork(t.modelPath, t.modelText);
    const key = `${saved.key}\0${sampleKey(t.sample)}`;
    if (this.sample?.key === key) return this.sample.subject;
    const { x, caption, classes: dataClasses } = await sampleInput(t.sample, saved.model, t.modelPath, {});
    const image: Tensor = { shape: [...saved.network.inputShape], data: x };
    const subject: Subject = { network: saved.network, analysis: saved.analysis, image, caption, classes: saved.classes ?? dataClasses ?? [], maps: saved.network.featureMaps(image) };
    this.sample = { key, subject };
    return subject;
  }

  private async savedNetwork(modelPath: string, modelText: string): Promise<NonNullable<Explainer['saved']>> {
    // A retrained model writes a new weights file: its time and size are part of the key.
    const st = await stat(weightsPath(modelPath)).catch(() => undefined);
    const key = `${modelPath}\0${modelText}\0${st?.mtimeMs ?? 0}\0${st?.size ?? 0}`;
    if (this.saved?.key === key) return this.saved;
    const model = parseSnapshot(modelText, modelPath);
    const { network, classes } = await loadTrainedNetwork(modelPath, model);
    this.saved = { key, network, analysis: inferShapes(model), model, classes };
    this.sample = undefined;
    return this.saved;
  }
}

function attributionBase(s: Subject): Pick<SaliencyView, 'caption' | 'image' | 'imageShape' | 'probabilities' | 'predicted' | 'classes' | 'spatialLayers' | 'defaultLayer'> {
  const out = s.maps[s.maps.length - 1]?.data ?? new Float32Array(0);
  let predicted = 0;
  for (let i = 1; i < out.length; i++) if (out[i]! > out[predicted]!) predicted = i;
  const classes = Array.from({ length: out.length }, (_, i) => s.classes[i] ?? String(i));
  const spatialLayers: SpatialLayer[] = s.analysis.layers.filter((l) => l.outputShape?.length === 3).map((l) => ({ index: l.index, name: l.name, type: l.type }));
  const defaultLayer = defaultGradCamLayer(s.analysis);
  return {
    caption: s.caption,
    image: s.image.data.slice(),
    imageShape: [...s.network.inputShape],
    probabilities: out.slice(),
    predicted,
    classes,
    spatialLayers,
    ...(defaultLayer !== undefined ? { defaultLayer } : {}),
  };
}
