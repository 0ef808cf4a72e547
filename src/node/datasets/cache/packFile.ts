// One cache file: an append-only log of checksummed records. The first record says what the file holds (its
// settings); every later one is a decoded sample or a skipped file, keyed by the source file's identity.
//
// Why it survives kill -9 at any moment: a record is written with one append; a reader accepts a record only when
// its header checksum (over the header and key) and its data checksum both match, and stops reading at the first
// record that does not (a torn tail, or bytes appended after one). So a killed writer costs at most the records
// it had not finished: they are decoded again. Files are replaced (a new header, compaction) by writing a temporary
// file, fsync, then rename.
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { crc32 } from './crc32';

export const RecordKind = { Header: 0, Sample: 1, Skip: 2 } as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];
const isKind = (k: number): k is RecordKind => k === RecordKind.Header || k === RecordKind.Sample || k === RecordKind.Skip;

const MAGIC = 0x31435343; // "CSC1", little-endian
const HEAD = 24;
/** Bounds a reader trusts before it allocates: a key is a relative path, data one sample (or a skip reason). */
const MAX_KEY = 64 * 1024;
const MAX_DATA = 1 << 30;

export interface CacheRecord {
  readonly kind: RecordKind;
  readonly key: string;
  readonly data: Uint8Array;
}

/** Where a record's data lies in the file (read and checked on demand: a sample is read straight into place). */
export interface RecordRef {
  readonly kind: RecordKind;
  readonly offset: number;
  readonly length: number;
  readonly crc: number;
}

/** Header + key + data as one buffer, so one write appends the whole record. */
export function encodeRecord(r: CacheRecord): Buffer {
  const key = Buffer.from(r.key, 'utf8');
  const out = Buffer.alloc(HEAD + key.length + r.data.length);
  out.writeUInt32LE(MAGIC, 0);
  out[4] = r.kind;
  out.writeUInt32LE(key.length, 8);
  out.writeUInt32LE(r.data.length, 12);
  out.writeUInt32LE(crc32(r.data), 16);
  key.copy(out, HEAD);
  out.writeUInt32LE(crc32(out.subarray(HEAD, HEAD + key.length), crc32(out.subarray(0, 20))), 20);
  out.set(r.data, HEAD + key.length);
  return out;
}

export interface ScanResult {
  /** The header record's data (settings), undefined when the file does not start with a valid one. */
  readonly header?: Uint8Array;
  /** Valid records by key; a later record replaces an earlier one of the same key. */
  readonly records: Map<string, RecordRef>;
  /** Where the valid records end (a torn tail or garbage starts here). */
  readonly validEnd: number;
  readonly fileSize: number;
  /** Bytes of records that a later one of the same key replaced (garbage a compaction would drop). */
  readonly staleBytes: number;
}

/** Reads every record header (not the sample data: its checksum is checked when it is read). */
export async function scanPack(handle: FileHandle): Promise<ScanResult> {
  const fileSize = (await handle.stat()).size;
  const records = new Map<string, RecordRef>();
  const head = Buffer.alloc(HEAD);
  let header: Uint8Array | undefined;
  let pos = 0;
  let staleBytes = 0;
  while (pos + HEAD <= fileSize) {
    const { bytesRead } = await handle.read(head, 0, HEAD, pos);
    if (bytesRead < HEAD || head.readUInt32LE(0) !== MAGIC) break;
    const kind = head[4];
    if (!isKind(kind)) break;
    const keyLen = head.readUInt32LE(8);
    const dataLen = head.readUInt32LE(12);
    if (keyLen > MAX_KEY || dataLen > MAX_DATA || pos + HEAD + keyLen + dataLen > fileSize) break;
    const key = Buffer.alloc(keyLen);
    if ((await handle.read(key, 0, keyLen, pos + HEAD)).bytesRead < keyLen) break;
    if (crc32(key, crc32(head.subarray(0, 20))) !== head.readUInt32LE(20)) break;
    const ref: RecordRef = { kind, offset: pos + HEAD + keyLen, length: dataLen, crc: head.readUInt32LE(16) };
    const size = HEAD + keyLen + dataLen;
    if (pos === 0) {
      if (kind !== RecordKind.Header) break;
      const data = Buffer.alloc(dataLen);
      await handle.read(data, 0, dataLen, ref.offset);
      if (crc32(data) !== ref.crc) break;
      header = data;
    } else if (kind !== RecordKind.Header) {
      const keyText = key.toString('utf8');
      const old = records.get(keyText);
      if (old) staleBytes += HEAD + Buffer.byteLength(keyText) + old.length;
      records.set(keyText, ref);
    } else {
      break; // a second header: not a file we wrote
    }
    pos += size;
  }
  return { header, records, validEnd: header ? pos : 0, fileSize, staleBytes };
}

/** The first record's data when it is a valid header record (a cache's settings), without scanning the rest. */
export async function readPackHeader(handle: FileHandle): Promise<Uint8Array | undefined> {
  const head = Buffer.alloc(HEAD);
  if ((await handle.read(head, 0, HEAD, 0)).bytesRead < HEAD || head.readUInt32LE(0) !== MAGIC || head[4] !== RecordKind.Header) return undefined;
  const keyLen = head.readUInt32LE(8);
  const dataLen = head.readUInt32LE(12);
  if (keyLen > MAX_KEY || dataLen > MAX_KEY) return undefined;
  const rest = Buffer.alloc(keyLen + dataLen);
  if ((await handle.read(rest, 0, rest.length, HEAD)).bytesRead < rest.length) return undefined;
  if (crc32(rest.subarray(0, keyLen), crc32(head.subarray(0, 20))) !== head.readUInt32LE(20)) return undefined;
  const data = rest.subarray(keyLen);
  return crc32(data) === head.readUInt32LE(16) ? data : undefined;
}

/** Reads a record's data into `into` at `at` and checks it: false when the bytes are not what was written. */
export async function readRecordInto(handle: FileHandle, ref: RecordRef, into: Uint8Array, at = 0): Promise<boolean> {
  const target = into.subarray(at, at + ref.length);
  if (target.length !== ref.length) return false;
  const { bytesRead } = await handle.read(target, 0, ref.length, ref.offset);
  return bytesRead === ref.length && crc32(target) === ref.crc;
}

/** Writes `records` (the header first) to a new file that replaces `path` at once (temp file, fsync, rename). */
export async function writePackAtomically(path: string, records: Iterable<CacheRecord> | AsyncIterable<CacheRecord>): Promise<void> {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'w');
  try {
    for await (const r of records) await handle.write(encodeRecord(r));
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}
