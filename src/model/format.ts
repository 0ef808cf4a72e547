// Number formatting shared by the CLI, hover, inlay hints and the designer.
export { formatDims } from './layers/base';

/** 34826 → "34,826". Grouped by hand: toLocaleString costs microseconds, and a summary may print 200,000 rows. */
export function formatCount(n: number): string {
  const r = Math.round(n);
  if (!Number.isSafeInteger(r)) return r.toLocaleString('en-US');
  const digits = String(Math.abs(r));
  let out = '';
  for (let i = 0; i < digits.length; i++) out += (i > 0 && (digits.length - i) % 3 === 0 ? ',' : '') + digits[i];
  return r < 0 ? `-${out}` : out;
}

/** 34826 → "34.8K", 1.2e9 → "1.20G" */
export function formatCompact(n: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  if (i === 0) return String(Math.round(v));
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${units[i]}`;
}

/** Bytes in binary units: "136.0 KiB", "527.8 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** "lr ×0.1" for a layer whose trainable parameters train at another rate than the others (learningRateMultiplier
 *  other than 1); undefined where the field changes nothing (default, frozen, no trainable parameters). */
export function learningRateMark(multiplier: number | undefined, trainableParams: number): string | undefined {
  return multiplier === undefined || multiplier === 1 || trainableParams === 0 ? undefined : `lr ×${multiplier}`;
}
