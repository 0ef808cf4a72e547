// Learning-rate schedules, evaluated once per epoch (epoch counts from 0, so epoch 0 uses the base rate).
import { assertNever } from '../../model/assertNever';
import { SCHEDULE_DEFAULTS } from '../../model/defaults';
import type { ScheduleConfig } from '../../model/types';

export function learningRateAt(
  baseLearningRate: number,
  schedule: ScheduleConfig | undefined,
  epoch: number,
  totalEpochs: number,
): number {
  if (!schedule) return baseLearningRate;
  switch (schedule.type) {
    case 'step':
      return baseLearningRate * Math.pow(schedule.gamma ?? SCHEDULE_DEFAULTS.step.gamma, Math.floor(epoch / Math.max(1, schedule.stepSize)));
    case 'exponential':
      return baseLearningRate * Math.pow(schedule.gamma, epoch);
    case 'cosine': {
      // Cosine annealing from the base rate at epoch 0 towards minLearningRate at epoch `totalEpochs`
      // (never reached: the last epoch, totalEpochs − 1, still learns a little).
      const min = schedule.minLearningRate ?? SCHEDULE_DEFAULTS.cosine.minLearningRate;
      const progress = Math.min(1, epoch / Math.max(1, totalEpochs));
      return min + ((baseLearningRate - min) * (1 + Math.cos(Math.PI * progress))) / 2;
    }
    default:
      return assertNever(schedule, 'schedule');
  }
}
