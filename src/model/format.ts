// Number formatting shared by the CLI, hover, inlay hints and the designer.
export { formatDims } from './shapes';

/** 34826 → "34,826" */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
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
