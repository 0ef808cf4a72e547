// The zoo check's table (network × opset × batch norm), its failures grouped by message, and the summary line.
import type { BatchNormMode, Opset, Outcome, ZooResult } from './check';

export interface ZooRow {
  readonly opset: Opset;
  readonly bn: BatchNormMode;
  readonly result: ZooResult;
}

const COLUMNS = ['network', 'opset', 'bn', 'params', 'BN nodes', 'export s', 'import s', 'predict s', 'peak MB', '|Δp|', '|Δlog p|', 'top-1', 'ONNX', 'model.py', 'grad rel', 'bound', 'result'] as const;
const WIDTHS = [20, 5, 6, 8, 8, 8, 8, 9, 7, 8, 8, 5, 8, 8, 8, 7, 0];

const seconds = (s: number | undefined): string => (s === undefined ? '' : s.toFixed(1));
const exp = (x: number | undefined): string => (x === undefined ? '' : Number.isFinite(x) ? x.toExponential(1) : '∞');

function cells({ opset, bn, result: r }: ZooRow): string[] {
  const e = r.exported;
  const peak = Math.max(r.importRun?.peakMB ?? 0, r.predictRun?.peakMB ?? 0);
  const c = r.comparison;
  const result = r.outcome === 'pass' ? 'ok' : r.outcome === 'mismatch' ? 'MISMATCH' : `${r.outcome} failed: ${r.message ?? ''}`;
  return [
    r.name,
    String(opset),
    bn,
    e ? `${(e.params / 1e6).toFixed(1)} M` : '',
    e ? `${e.bnNodes}/${e.bnRun}` : '',
    e ? (e.cached ? 'cached' : seconds(e.seconds.build + e.seconds.forward + e.seconds.export)) : '',
    seconds(r.importRun?.seconds),
    seconds(r.predictRun?.seconds),
    peak ? peak.toFixed(0) : '',
    exp(c?.probability),
    c ? exp(c.logProbability / c.logScale) : '',
    c ? (c.top1Agrees ? 'same' : 'DIFF') : '',
    exp(r.roundTrip?.onnx),
    exp(r.roundTrip?.pytorch),
    exp(r.roundTrip?.gradient),
    // The worst gradient's bound: max(1e-3, 2 × PyTorch float32's own relative error on that parameter).
    exp(r.roundTrip?.gradientBound),
    result,
  ];
}

const line = (values: readonly string[]): string => values.map((v, i) => (WIDTHS[i] ? v.padEnd(WIDTHS[i]!) : v)).join(' ').trimEnd();

/** The rows as a fixed-width table; `header` adds the column names and a rule. */
export function formatTable(rows: readonly ZooRow[], header: boolean): string {
  const body = rows.map((r) => line(cells(r)));
  if (!header) return body.join('\n');
  const head = line([...COLUMNS]);
  return [head, '-'.repeat(Math.min(head.length + 40, 160)), ...body].join('\n');
}

/** A problem without its node's name, so the same cause in many networks is one group. */
export function problemKind(problem: string): string {
  return problem
    .replace(/ \(node "[^"]*"\)/g, '')
    .replace(/"\/[^"]*"/g, '"…"')
    .replace(/\b\d+(\.\d+)?\b/g, (n) => (n.length > 3 ? 'N' : n));
}

/** Every import problem (all a network's, not only its first), and every other failure, grouped by kind. */
export function groupFailures(rows: readonly ZooRow[]): string {
  const groups = new Map<string, Set<string>>();
  for (const { opset, bn, result: r } of rows) {
    if (r.outcome === 'pass') continue;
    const problems = r.outcome === 'import' && r.problems?.length ? r.problems : r.outcome === 'round trip' && r.roundTrip ? r.roundTrip.problems.map((p) => `round trip: ${p}`) : [r.outcome === 'mismatch' ? `probabilities differ (|Δp| ${exp(r.comparison?.probability)})` : `${r.outcome}: ${r.message ?? ''}`];
    for (const p of problems) {
      const key = problemKind(p);
      if (!groups.has(key)) groups.set(key, new Set());
      groups.get(key)!.add(`${r.name}@${opset}/${bn}`);
    }
  }
  if (groups.size === 0) return '';
  const sorted = [...groups].sort((a, b) => b[1].size - a[1].size);
  return ['Failures by cause (networks@opset/bn):', ...sorted.map(([k, nets]) => `  ${nets.size}× ${k}\n      ${[...nets].join(', ')}`)].join('\n');
}

export function summaryLine(rows: readonly ZooRow[], skipped: number, totalSeconds: number): string {
  const count = (o: Outcome): number => rows.filter((r) => r.result.outcome === o).length;
  const parts = [`${count('pass')} of ${rows.length} pass`, `${count('import')} import failed`, `${count('mismatch')} predict mismatched`, `${count('predict')} predict failed`, `${count('export')} export failed`, `${count('round trip')} round trips failed`];
  return `zoo: ${parts.join(', ')}; ${skipped} networks skipped (above --max-params); ${(totalSeconds / 60).toFixed(1)} min`;
}
