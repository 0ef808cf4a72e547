// The timing protocol every backend of bench/ follows (bench/torch_bench.py repeats it in Python): at least 1 s
// of warm-up (≥ 1 step), then `runs` runs of at least `seconds` each (≥ 1 step); a run's rate is samples/s.
// One exception, said in the result: when the first step alone takes longer than `slowStepSeconds` (tfjs-cpu's
// VGG training step takes minutes), that step's rate is the result, so one cell cannot hold the bench for an hour.
const WARMUP_MS = 1000;

export interface Timing {
  readonly rates: number[];
  /** Set when the slow-step exception applied: the seconds of the one step that was timed. */
  readonly singleStepSeconds?: number;
}

export function timeRuns(
  step: () => number, batch: number, seconds: number, runs: number, slowStepSeconds = Infinity, now: () => number = () => performance.now(),
): Timing {
  const warm = now();
  step();
  const first = now() - warm;
  if (first > slowStepSeconds * 1000) return { rates: [(batch * 1000) / first], singleStepSeconds: first / 1000 };
  while (now() - warm < WARMUP_MS) step();
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = now();
    let steps = 0;
    let elapsed = 0;
    do {
      step();
      steps++;
      elapsed = now() - start;
    } while (elapsed < seconds * 1000);
    rates.push((steps * batch * 1000) / elapsed);
  }
  return { rates };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
