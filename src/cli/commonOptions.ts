// Options several commands share, declared once so their limits and help read the same everywhere.
import { MIB } from '../node/datasets/dataMemory';
import { MAX_THREADS } from '../node/runtime/kernelThreads';
import type { OptionSpec } from './options';

/** No dataset that fits in memory has more samples; larger values are typos. */
const MAX_SAMPLES = 1_000_000_000;

export const LIMIT_OPTION = {
  kind: 'integer',
  min: 1,
  max: MAX_SAMPLES,
  placeholder: 'N',
  help: 'use only the first N samples of each data set, for quick runs',
} as const satisfies OptionSpec;

/** MiB of memory the samples may take (image folders beyond it stream from the dataset cache). */
export const DATA_MEMORY_OPTION = {
  kind: 'integer',
  min: 1,
  max: 1024 * 1024,
  placeholder: 'MiB',
  help: 'memory the images may take, in MiB; bigger image folders stream from the dataset cache (default: 1024, or an eighth of a smaller machine)',
} as const satisfies OptionSpec;

/** The training session's data memory from --data-memory (the option is named in messages either way). */
export function dataMemory(mib: number | undefined): { readonly dataMemoryBytes?: number; readonly dataMemorySetting: string } {
  return { ...(mib === undefined ? {} : { dataMemoryBytes: mib * MIB }), dataMemorySetting: '--data-memory' };
}

/** GEMM threads (the caller and helpers); the default, all cores, is said in the help. */
export const THREADS_OPTION = {
  kind: 'integer',
  min: 1,
  max: MAX_THREADS,
  placeholder: 'N',
  help: 'threads for the WebAssembly GEMM (default: all cores; results are the same on any count)',
} as const satisfies OptionSpec;
