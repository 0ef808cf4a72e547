// Training health for the training loop: measure a few steps of every epoch (monitor), sum each epoch up and
// raise the warnings it calls for (warnings). docs/training-health.md describes the figures and thresholds.
import type { Network } from '../network';
import { HealthMonitor } from './monitor';
import type { EpochHealth } from '../../model/health';
import { epochWarnings, WarningLog, type LossPoint } from './warnings';

export { HealthMonitor, isMeasuredStep, type MeasuredEpoch } from './monitor';
export { epochWarnings, WarningLog, type LossPoint, type WarningContext } from './warnings';
export { HEALTH_LIMITS, SATURATION } from './limits';
export type * from '../../model/health';

export class TrainingHealth {
  readonly monitor: HealthMonitor;
  private readonly log = new WarningLog();

  constructor(network: Network, stepsPerEpoch?: number) {
    this.monitor = new HealthMonitor(network, stepsPerEpoch);
  }

  /** The epoch's health with the warnings it raises for the first time; `history` ends with this epoch. */
  endEpoch(epoch: number, learningRate: number, history: readonly LossPoint[]): EpochHealth {
    const m = this.monitor.endEpoch();
    const all = epochWarnings(m, { epoch, learningRate, firstGradNorm: this.monitor.firstGradNorm, isWeightLayer: (i) => this.monitor.isWeightLayer(i), history });
    return { epoch, ...m, warnings: this.log.fresh(all) };
  }
}
