// How much memory training data may take before image folders stream from the dataset cache instead: a bound on
// the process's size whatever the number of images (1 GiB, or an eighth of a smaller machine's memory).
import { totalmem } from 'node:os';

const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

export function defaultDataMemoryBytes(machineBytes = totalmem()): number {
  return Math.min(GIB, Math.floor(machineBytes / 8));
}
