// A GEMM helper that exits in the middle of its first chunk: threadPool.test.ts checks that the caller, waiting
// for that chunk, reports the death instead of waiting forever.
import { workerData } from 'node:worker_threads';
import { runGemmHelper, type KernelThreadData } from '../../../src/node/runtime/kernelThread';

runGemmHelper(workerData as KernelThreadData, () => ({ gemm: () => process.exit(7) }));
