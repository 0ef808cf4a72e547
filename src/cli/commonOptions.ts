// Options several commands share, declared once so their limits and help read the same everywhere.
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

/** GEMM threads (the caller and helpers); the default, all cores, is said in the help. */
export const THREADS_OPTION = {
  kind: 'integer',
  min: 1,
  max: MAX_THREADS,
  placeholder: 'N',
  help: 'threads for the WebAssembly GEMM (default: all cores; results are the same on any count)',
} as const satisfies OptionSpec;
