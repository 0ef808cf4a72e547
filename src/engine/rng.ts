// Seeded randomness: every random thing in the engine (init, shuffling, dropout, augmentation) takes one of these,
// so the same seed gives the same weights and the same loss curve.
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal. */
  normal(): number;
  /** An independent generator derived from this one (for a sub-task that must not shift the main sequence). */
  fork(): Rng;
  /** Skips the next n draws of next(), returning the state they start from: a kernel that draws them itself
   *  (dropoutMask) computes mulberry32 from it, so its values are next()'s. Only createRng's generators have it. */
  jump?(n: number): number;
}

/** mulberry32's state step and its output for a state (what next() returns for it). */
export const MULBERRY_STEP = 0x6d2b79f5;
export function mulberry32(state: number): number {
  let t = state >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** mulberry32: tiny, fast, and good enough for shuffling and initialisation. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  let spare: number | undefined;
  const next = (): number => {
    state = (state + MULBERRY_STEP) >>> 0;
    return mulberry32(state);
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      // Box–Muller; 1 - u keeps log away from 0.
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: () => createRng(Math.floor(next() * 4294967296)),
    jump: (n) => {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`jump: bad count ${n}`);
      const from = state;
      // n·STEP mod 2³², exactly, for any n below 2⁵³.
      state = (state + Math.imul(n % 4294967296, MULBERRY_STEP)) >>> 0;
      return from;
    },
  };
}
