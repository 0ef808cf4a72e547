// A GEMM helper that exits in the middle of its first chunk: gemmPool.test.ts checks that the caller, waiting
// for that chunk, reports the death instead of waiting forever.
import { workerData } from 'node:worker_threads';
import { runGemmHelper, type GemmWorkerData } from '../../../src/data/gemmWorker';

runGemmHelper(workerData as GemmWorkerData, () => ({ gemm: () => process.exit(7) }));
