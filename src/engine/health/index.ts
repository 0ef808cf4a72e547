// Training health for the training loop: measure a few steps of every epoch (monitor), sum each epoch up and
// raise the warnings it calls for (warnings). docs/training-health.md describes the figures and thresholds.
import type { EpochHealth } from '../../model/health';
import type { Network } from '../network';
import { HealthMonitor } from './monitor';
import { longestPath, type LayerGraph } from './paths';
import { epochWarnings, WarningLog, type LossPoint } from './warnings';

export { HealthMonitor, isMeasuredStep, type MeasuredEpoch } from './monitor';
export { longestPath, type LayerGraph } from './paths';
export { epochWarnings, WarningLog, type LossPoint, type WarningContext } from './warnings';
export { HEALTH_LIMITS, SATURATION } from './limits';
export type * from '../../model/health';

/** What the training loop measures health with; without it nothing is measured. */
export interface HealthOptions {
  /** The network's graph (ModelAnalysis.layers of the model it was built from): the warnings follow its paths. */
  readonly graph: LayerGraph;
  /** Each epoch's health, after the epoch's evaluation and before onEpoch. */
  readonly onEpoch: (health: EpochHealth) => void;
  /** Steps measured per epoch (default HEALTH_LIMITS.stepsPerEpoch). */
  readonly stepsPerEpoch?: number;
}

export class TrainingHealth {
  readonly monitor: HealthMonitor;
  private readonly log = new WarningLog();
  /** The weight layers along the graph's longest path, input side first (fixed: the graph does not change). */
  private readonly weightPath: readonly number[];

  constructor(network: Network, graph: LayerGraph, stepsPerEpoch?: number) {
    if (graph.length !== network.layers.length) throw new Error(`training health: the graph has ${graph.length} layers, the network ${network.layers.length}`);
    this.monitor = new HealthMonitor(network, stepsPerEpoch);
    this.weightPath = longestPath(graph).filter((i) => this.monitor.isWeightLayer(i));
  }

  /** The epoch's health with the warnings it raises for the first time; `history` ends with this epoch. */
  endEpoch(epoch: number, learningRate: number, history: readonly LossPoint[]): EpochHealth {
    const m = this.monitor.endEpoch();
    const all = epochWarnings(m, { epoch, learningRate, firstGradNorm: this.monitor.firstGradNorm, weightPath: this.weightPath, history });
    return { epoch, ...m, warnings: this.log.fresh(all) };
  }
}
