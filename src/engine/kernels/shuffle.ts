// channelShuffle's copies (model/layers/channelShuffle.ts): over `pixels` rows of `c` channels, output channel
// i·g + k is input channel k·(c/g) + i. Moves only, in JavaScript like the other copies.

/** y ← x shuffled. */
export function shuffleChannels(x: Float32Array, y: Float32Array, pixels: number, c: number, groups: number): void {
  const per = c / groups;
  for (let p = 0, o = 0; p < pixels; p++, o += c) {
    for (let k = 0; k < groups; k++) {
      for (let i = 0; i < per; i++) y[o + i * groups + k] = x[o + k * per + i]!;
    }
  }
}

/** dx ← dy moved back: the inverse permutation (each input channel has exactly one reader). */
export function unshuffleChannels(dy: Float32Array, dx: Float32Array, pixels: number, c: number, groups: number): void {
  const per = c / groups;
  for (let p = 0, o = 0; p < pixels; p++, o += c) {
    for (let k = 0; k < groups; k++) {
      for (let i = 0; i < per; i++) dx[o + k * per + i] = dy[o + i * groups + k]!;
    }
  }
}
