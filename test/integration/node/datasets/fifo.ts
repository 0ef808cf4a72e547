// Named pipes for tests of code that must never block on one. A blocking read of a FIFO would freeze the
// whole test process (a synchronous open cannot be interrupted by a mocha timeout), so each FIFO gets a
// watchdog process that opens it for writing and closes it, which ends any blocked read with EOF: code
// that wrongly reads the pipe then fails its assertions instead of hanging the suite.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { CHILD_TIMEOUT_MS } from '../../../unit/availability';

const WATCHDOG = `
const fs = require('node:fs');
const [path, ms] = [process.argv[1], Number(process.argv[2])];
const end = Date.now() + 20000;
const poke = () => {
  try { fs.closeSync(fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)); } catch {}
  if (Date.now() < end) setTimeout(poke, 100);
};
setTimeout(poke, ms);
`;

export interface Fifo {
  readonly path: string;
  /** Stops the watchdog. */
  dispose(): void;
}

/** Creates a FIFO at `path` (mkfifo) whose blocked readers are released after `releaseAfterMs`. */
export function makeFifo(path: string, releaseAfterMs = 3000): Fifo {
  const made = spawnSync('mkfifo', [path], { timeout: CHILD_TIMEOUT_MS });
  if (made.status !== 0) throw new Error(`mkfifo ${path} failed: ${made.stderr.toString()}`);
  const watchdog: ChildProcess = spawn(process.execPath, ['-e', WATCHDOG, path, String(releaseAfterMs)], { stdio: 'ignore' });
  return { path, dispose: () => void watchdog.kill() };
}
