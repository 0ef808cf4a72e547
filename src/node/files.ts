// Reading user-named files safely: only regular files (symbolic links followed to regular files only), with the
// size limit checked before reading. The file is opened non-blocking and checked on the open handle (fstat), so a
// named pipe never blocks the read and nothing can be swapped in between the check and the read.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { formatBytes } from '../model/format';

export interface RegularFileOptions {
  /** Larger files are refused before a byte is read. */
  readonly maxBytes: number;
  /** What the file should be, with its article, for messages: "a model file", "an image". */
  readonly what: string;
  /** How to name the file in messages (default: the path as given). */
  readonly name?: string;
}

/** Model files beyond this are not models someone wrote; refuse rather than parse for minutes. */
export const MAX_MODEL_BYTES = 64 * 1024 * 1024;
/** Node's Buffer limit; ONNX files beyond 2 GiB keep their weights outside the protobuf anyway. */
export const MAX_ONNX_BYTES = 2 * 1024 ** 3 - 1;

export type FileProblem = 'notFound' | 'notRegular' | 'tooLarge' | 'unreadable';

/** A file that cannot be read as asked. `reason` is the message without the file's name, for lists of skipped files. */
export class FileError extends Error {
  constructor(
    readonly problem: FileProblem,
    readonly file: string,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

// O_NONBLOCK does not exist on Windows, where opening a pipe does not wait for a writer anyway.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function kindOf(s: Stats): string {
  if (s.isFIFO()) return 'a named pipe';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'a special file';
}

/** The FileError for what fstat found, or undefined when the file may be read. */
function checkStats(s: Stats, name: string, options: RegularFileOptions): FileError | undefined {
  if (s.isDirectory()) {
    const reason = `a directory, not ${options.what}`;
    return new FileError('notRegular', name, reason, `${name} is ${reason}`);
  }
  if (!s.isFile()) return new FileError('notRegular', name, `${kindOf(s)}, not a regular file`, `${name} is not a regular file (${kindOf(s)})`);
  if (s.size > options.maxBytes) return tooLarge(s.size, name, options);
  return undefined;
}

function tooLarge(size: number, name: string, options: RegularFileOptions): FileError {
  const reason = `${formatBytes(size)}, more than the ${formatBytes(options.maxBytes)} ${options.what} may have`;
  return new FileError('tooLarge', name, reason, `${name} is ${reason}`);
}

/** open() failures users meet, as [problem, reason]; anything else keeps Node's own text. */
const OPEN_ERRORS: Readonly<Record<string, readonly [FileProblem, string]>> = {
  ENOENT: ['notFound', 'no such file'],
  ENOTDIR: ['notFound', 'no such file'],
  ENAMETOOLONG: ['notFound', 'no such file (the name is too long)'],
  EACCES: ['unreadable', 'permission denied'],
  EPERM: ['unreadable', 'permission denied'],
  ELOOP: ['unreadable', 'a loop of symbolic links'],
  // Opening a Unix socket fails instead of returning a handle to fstat.
  ENXIO: ['notRegular', 'a socket, not a regular file'],
};

function openError(e: unknown, name: string): FileError {
  const known = OPEN_ERRORS[(e as { code?: string }).code ?? ''];
  const [problem, reason] = known ?? ['unreadable', `cannot be read: ${e instanceof Error ? e.message : String(e)}`];
  return new FileError(problem, name, reason, `${name}: ${reason}`);
}

function readError(e: unknown, name: string): FileError {
  const reason = `cannot be read: ${e instanceof Error ? e.message : String(e)}`;
  return new FileError('unreadable', name, reason, `${name}: ${reason}`);
}

/** An open regular file, checked; the caller closes it. For readers that look at a header before reading on. */
export async function openRegularFile(path: string, options: RegularFileOptions): Promise<{ handle: FileHandle; size: number }> {
  const name = options.name ?? path;
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (e) {
    throw openError(e, name);
  }
  try {
    const s = await handle.stat();
    const problem = checkStats(s, name, options);
    if (problem) throw problem;
    return { handle, size: s.size };
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e instanceof FileError ? e : readError(e, name);
  }
}

/** At most this per read: Node aborts the process on a read length beyond int32 (a 2.6 GB weights file did). */
const MAX_READ_BYTES = 1 << 30;

/** Reads from `position` to the end, refusing to go past `maxBytes` in all (the file may grow after fstat). */
export async function readRest(handle: FileHandle, size: number, position: number, options: RegularFileOptions & { readonly name: string }): Promise<Buffer> {
  const { name } = options;
  const chunks: Buffer[] = [];
  let total = position;
  let buffer = Buffer.allocUnsafe(Math.max(1, Math.min(size - position, options.maxBytes - position) + 1));
  let filled = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, Math.min(buffer.length - filled, MAX_READ_BYTES), total);
      if (bytesRead === 0) break;
      filled += bytesRead;
      total += bytesRead;
      if (total > options.maxBytes) throw tooLarge(total, name, options);
      if (filled === buffer.length) {
        // The file grew past the size it had: go on in small chunks.
        chunks.push(buffer);
        buffer = Buffer.allocUnsafe(64 * 1024);
        filled = 0;
      }
    }
  } catch (e) {
    throw e instanceof FileError ? e : readError(e, name);
  }
  if (filled > 0 || chunks.length === 0) chunks.push(buffer.subarray(0, filled));
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** The whole content of a regular file of at most `maxBytes`, or a FileError with a one-line message. */
export async function readRegularFile(path: string, options: RegularFileOptions): Promise<Buffer> {
  const named = { ...options, name: options.name ?? path };
  const { handle, size } = await openRegularFile(path, named);
  try {
    return await readRest(handle, size, 0, named);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** readRegularFile for synchronous callers (the CLI reads its model file before anything else). */
export function readRegularFileSync(path: string, options: RegularFileOptions): Buffer {
  const name = options.name ?? path;
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    throw openError(e, name);
  }
  try {
    const s = fstatSync(fd);
    const problem = checkStats(s, name, options);
    if (problem) throw problem;
    const chunks: Buffer[] = [];
    let total = 0;
    let buffer = Buffer.allocUnsafe(Math.max(1, Math.min(s.size, options.maxBytes) + 1));
    let filled = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, filled, Math.min(buffer.length - filled, MAX_READ_BYTES), total);
      if (bytesRead === 0) break;
      filled += bytesRead;
      total += bytesRead;
      if (total > options.maxBytes) throw tooLarge(total, name, options);
      if (filled === buffer.length) {
        chunks.push(buffer);
        buffer = Buffer.allocUnsafe(64 * 1024);
        filled = 0;
      }
    }
    if (filled > 0 || chunks.length === 0) chunks.push(buffer.subarray(0, filled));
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  } catch (e) {
    throw e instanceof FileError ? e : readError(e, name);
  } finally {
    closeSync(fd);
  }
}
