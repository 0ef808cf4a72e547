// Whether the machine can train a model, from the memory estimate: CNN Studio uses at most half the machine's
// memory, so the editor, the OS and the data keep the rest.
import { formatBytes } from '../../model/format';
import type { MemoryEstimate } from './memory';

export interface MemoryVerdict {
  readonly ok: boolean;
  /** Half the machine's memory. */
  readonly limitBytes: number;
  /** Above the limit: one line with the estimate, the largest consumer and the remedy. */
  readonly message?: string;
}

export function memoryVerdict(estimate: MemoryEstimate, machineBytes: number): MemoryVerdict {
  const limitBytes = Math.floor(machineBytes / 2);
  if (estimate.totalBytes <= limitBytes) return { ok: true, limitBytes };
  const top = estimate.consumers[0];
  const biggest = top ? `: ${top.label} ${top.plural ? 'are' : 'is'} ${formatBytes(top.bytes)}` : '';
  return {
    ok: false,
    limitBytes,
    message:
      `training needs ${formatBytes(estimate.totalBytes)}${biggest}; this machine has ${formatBytes(machineBytes)}, ` +
      `CNN Studio uses at most half — ${top?.remedy ?? 'reduce units, filters or the batch size'}`,
  };
}

/** "Training memory (batch 32, adam): 12.4 GiB" */
export function memoryLine(estimate: MemoryEstimate): string {
  return `Training memory (batch ${estimate.batchSize}, ${estimate.optimizer}): ${formatBytes(estimate.totalBytes)}`;
}
