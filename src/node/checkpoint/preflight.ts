// Before the first epoch: a checkpoint must be writable where it goes, with room for it, and what an
// earlier run killed mid-save left behind is cleared — so no epoch is trained only to be lost at saving.
import { randomBytes } from 'node:crypto';
import { open, readdir, statfs, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { formatBytes } from '../../model/format';
import { optimizerStatePath, trainStatePath, weightsPath } from './weightsFile';

const checkpointFiles = (modelPath: string): string[] => [weightsPath(modelPath), optimizerStatePath(modelPath), trainStatePath(modelPath)].map((p) => basename(p));

/** Temp files of this model's checkpoint whose writer is gone (".<file>.<pid>.<hex>.tmp"); returns the names removed. */
export async function removeStaleTempFiles(modelPath: string): Promise<string[]> {
  const dir = dirname(modelPath);
  const ours = new Set(checkpointFiles(modelPath));
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
    if (!m || !ours.has(m[1]) || processAlive(Number(m[2]))) continue;
    if (await unlink(join(dir, name)).then(() => true, () => false)) removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Throws a one-line message unless the model's folder takes a new file and has `bytes` free (plus slack). */
export async function checkCheckpointRoom(modelPath: string, bytes: number): Promise<void> {
  const dir = dirname(modelPath);
  const probe = join(dir, `.${basename(weightsPath(modelPath))}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(probe, 'wx');
    await handle.close();
    await unlink(probe);
  } catch (e) {
    throw new Error(`cannot write the checkpoint beside ${modelPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const fs = await statfs(dir).catch(() => undefined);
  if (!fs) return;
  const free = Number(fs.bavail) * Number(fs.bsize);
  // New files are written in full beside the old ones before replacing them; keep a little slack for metadata.
  const needed = bytes + 64 * 1024;
  if (free < needed) {
    throw new Error(`not enough disk space beside ${modelPath}: a checkpoint needs ${formatBytes(needed)}, ${formatBytes(free)} free`);
  }
}
