// A GEMM helper that exits as soon as it is given work (its first mailbox read): gemmPool.test.ts checks that
// the caller reports the death instead of waiting forever.
import { workerData } from 'node:worker_threads';
import { runGemmHelper, type GemmWorkerData } from '../../../src/data/gemmWorker';

runGemmHelper(workerData as GemmWorkerData, () => process.exit(7));
