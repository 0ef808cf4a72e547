// Imported first by bin.ts: libuv reads UV_THREADPOOL_SIZE when its pool starts (the first file read), and the
// native image decoder runs on that pool, so a photo folder decodes on every core instead of libuv's default 4.
import { threadPoolSizeForCores } from '../node/datasets/nativeDecoder';

process.env.UV_THREADPOOL_SIZE ??= threadPoolSizeForCores();
