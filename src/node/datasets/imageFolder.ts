// A folder with one subfolder of PNG/JPEG images per class. Bad files are skipped and reported, never fatal:
// one broken download must not stop a training run over thousands of good images.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Dataset } from '../../engine/dataset';
import { ImageSkip, readImage, toModelInput } from './decode';
import { checkChannels } from './pixels';

export interface ImageFolderOptions {
  /** Keep at most N samples, taken round-robin over the classes so every class stays represented. */
  readonly limit?: number;
  /** How to name the folder in messages (default: the path as given). */
  readonly name?: string;
}

export interface ImageFolderData extends Dataset {
  readonly files: readonly string[];
  readonly warnings: string[];
}

const MAX_DEPTH = 8; // nested folders inside a class are walked, but not endlessly (symlink loops)
const CONCURRENCY = 8; // overlap file reads with decoding without opening thousands of files at once
const LIST_MAX = 5;

const visible = (e: Dirent): boolean => !e.name.startsWith('.');
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function isDir(path: string, e: Dirent): Promise<boolean> {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Files under `dir`, as paths relative to it with '/' separators, sorted. */
async function listFiles(dir: string, prefix = '', depth = 0): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).filter(visible).sort((a, b) => byCodePoint(a.name, b.name));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (await isDir(path, e)) {
      if (depth < MAX_DEPTH) for (const f of await listFiles(path, `${prefix}${e.name}/`, depth + 1)) out.push(f); // no push(...): folders may hold 200,000 files
    } else {
      out.push(prefix + e.name);
    }
  }
  return out;
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LIST_MAX).join(', ');
  return items.length > LIST_MAX ? `${shown}, and ${items.length - LIST_MAX} more` : shown;
}

interface Job {
  readonly rel: string;
  readonly label: number;
  /** Position in class-grouped order, so a limited selection can be put back in that order. */
  readonly index: number;
}
type Result = { readonly job: Job; readonly value: Float32Array | ImageSkip };

/** Decode with bounded concurrency; results land by index so the order stays deterministic. */
async function decodeAll(root: string, jobs: readonly Job[], shape: readonly [number, number, number]): Promise<Result[]> {
  const results: Result[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      let value: Float32Array | ImageSkip;
      try {
        value = toModelInput(await readImage(join(root, jobs[i].rel)), shape);
      } catch (e) {
        value = e instanceof ImageSkip ? e : new ImageSkip('unreadable', e instanceof Error ? e.message : String(e));
      }
      results[i] = { job: jobs[i], value };
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, worker));
  return results;
}

/** Interleave the classes (first of each, then second of each, …) so a limited load keeps every class. */
function roundRobin(perClass: readonly (readonly Job[])[]): Job[] {
  const out: Job[] = [];
  const longest = perClass.reduce((m, f) => Math.max(m, f.length), 0);
  for (let i = 0; i < longest; i++) for (const files of perClass) if (i < files.length) out.push(files[i]);
  return out;
}

/** Decode everything, or with a limit: the first `limit` readable images in round-robin order. */
async function decodeSelection(
  root: string,
  perClass: readonly (readonly Job[])[],
  shape: readonly [number, number, number],
  limit: number | undefined,
): Promise<Result[]> {
  if (limit === undefined) return decodeAll(root, perClass.flat(), shape);
  const order = roundRobin(perClass);
  const results: Result[] = [];
  let good = 0;
  let pos = 0;
  // Top up in rounds: each round replaces the files the previous one had to skip.
  while (good < limit && pos < order.length) {
    const round = await decodeAll(root, order.slice(pos, pos + limit - good), shape);
    pos += round.length;
    good += round.filter((r) => r.value instanceof Float32Array).length;
    for (const r of round) results.push(r);
  }
  return results.sort((a, b) => a.job.index - b.job.index);
}

export async function loadImageFolder(
  dir: string,
  shape: readonly [number, number, number],
  options: ImageFolderOptions = {},
): Promise<ImageFolderData> {
  const name = options.name ?? dir;
  checkChannels(shape[2]);
  const root = resolve(dir);
  let entries: Dirent[];
  try {
    entries = (await readdir(root, { withFileTypes: true })).filter(visible);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new Error(`data folder not found: ${name} (looked in ${root})`);
    if (code === 'ENOTDIR') throw new Error(`${name} is not a folder (expected one subfolder of images per class)`);
    throw new Error(`cannot read data folder ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const classes: string[] = [];
  const loose: string[] = [];
  for (const e of entries) ((await isDir(join(root, e.name), e)) ? classes : loose).push(e.name);
  classes.sort(byCodePoint);
  if (classes.length === 0) {
    throw new Error(`${name} has no class subfolders (expected one folder of PNG/JPEG images per class, e.g. ${name}/cat/1.png)`);
  }
  const warnings: string[] = [];
  if (loose.length > 0) {
    warnings.push(`ignored ${loose.length} file${loose.length > 1 ? 's' : ''} outside the class folders of ${name}: ${listed(loose.sort(byCodePoint))}`);
  }
  let index = 0;
  const perClass = await Promise.all(
    classes.map(async (c) => {
      try {
        return (await listFiles(join(root, c))).map((f) => `${c}/${f}`);
      } catch (e) {
        warnings.push(`cannot read class folder ${name}/${c}: ${e instanceof Error ? e.message : String(e)}`);
        return [];
      }
    }),
  );
  const jobs = perClass.map((files, label) => files.map((f): Job => ({ rel: f, label, index: index++ })));
  const limit = options.limit === undefined ? undefined : Math.max(0, Math.floor(options.limit));
  const results = await decodeSelection(root, jobs, shape, limit);

  const sampleSize = shape[0] * shape[1] * shape[2];
  const good = results.filter((r) => r.value instanceof Float32Array).length;
  const images = new Float32Array(good * sampleSize);
  const labels = new Int32Array(good);
  const files: string[] = [];
  const perClassCount = new Array<number>(classes.length).fill(0);
  const unreadable: string[] = [];
  const notImage: string[] = [];
  const attempted = new Array<number>(classes.length).fill(0);
  for (const { job, value: r } of results) {
    const { rel, label } = job;
    attempted[label]++;
    if (r instanceof ImageSkip) {
      if (r.kind === 'notImage') notImage.push(rel);
      else unreadable.push(`${rel} (${r.message})`);
      continue;
    }
    images.set(r, files.length * sampleSize);
    labels[files.length] = label;
    files.push(join(root, rel));
    perClassCount[label]++;
  }
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (unreadable.length > 0) warnings.push(`skipped ${plural(unreadable.length, 'unreadable file')} in ${name}: ${listed(unreadable)}`);
  if (notImage.length > 0) warnings.push(`skipped ${plural(notImage.length, 'non-image file')} in ${name}: ${listed(notImage)}`);
  // A class the limit never reached is not empty; one whose files were all tried and failed is.
  const empty = classes.filter((_, c) => perClassCount[c] === 0 && attempted[c] === jobs[c].length);
  if (empty.length > 0) {
    warnings.push(`${plural(empty.length, 'class folder')} in ${name} ${empty.length === 1 ? 'has' : 'have'} no readable images: ${listed(empty)}`);
  }
  if (good === 0) {
    const detail = warnings.length > 0 ? `; ${warnings.join('; ')}` : '';
    throw new Error(`${name} has no readable PNG/JPEG images in its ${plural(classes.length, 'class folder')}${detail}`);
  }
  return { images, labels, count: good, shape: [shape[0], shape[1], shape[2]], classes, files, warnings };
}
