// An input size as people type it: "224" (square) or "160x224" / "160×224" (height × width), each 1…4096.
// Shared by `cnn transfer --input-size` and the input box of "CNN: New Model from Pretrained…".

export const MAX_INPUT_SIDE = 4096;

/** [height, width], or undefined when the text is not H or HxW with each side 1…4096. */
export function parseInputSize(text: string): [number, number] | undefined {
  const m = /^(\d{1,4})\s*(?:[x×X]\s*(\d{1,4}))?$/.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const w = Number(m[2] ?? m[1]);
  return h >= 1 && h <= MAX_INPUT_SIDE && w >= 1 && w <= MAX_INPUT_SIDE ? [h, w] : undefined;
}

/** "224×224": how sizes are shown (and prefilled). */
export const formatInputSize = (size: readonly [number, number]): string => `${size[0]}×${size[1]}`;
