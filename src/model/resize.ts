// The input's resize policy: how an image whose aspect ratio differs from the input's is fitted to its height ×
// width. One geometry (fitPlan) for every path — the native and JavaScript decoders, IDX data, and the Python of
// the exports (train.py's fit_plan is this function written in Python) — so they all cut and pad the same pixels.
import type { ResizePolicy } from './types';

export interface ResizePolicyInfo {
  /** One line for the docs and the exports' docstrings. */
  readonly doc: string;
  /** The Keras loader argument with this meaning (image_dataset_from_directory / Resizing / load_img). */
  readonly keras: string;
  /** The torchvision transforms with this meaning. */
  readonly torchvision: string;
}

/** Every policy, with what it means elsewhere. A Record, so a new policy cannot be left out. */
export const RESIZE_POLICY_INFO: Readonly<Record<ResizePolicy, ResizePolicyInfo>> = {
  stretch: {
    doc: 'resized to the input\'s height and width, distorted when its aspect ratio differs',
    keras: 'the default (crop_to_aspect_ratio=False, pad_to_aspect_ratio=False)',
    torchvision: 'Resize((height, width))',
  },
  centerCrop: {
    doc: 'scaled to cover the input, then its centre cut out',
    keras: 'crop_to_aspect_ratio=True (load_img: keep_aspect_ratio=True)',
    torchvision: 'Resize(side) + CenterCrop((height, width)) for a square input',
  },
  letterbox: {
    doc: 'scaled to fit inside the input and centred, the rest padded with 0 = black',
    keras: 'pad_to_aspect_ratio=True (Keras 3)',
    torchvision: 'Resize((h, w)) to the fitted size + Pad(..., fill=0)',
  },
};

export const RESIZE_POLICIES = Object.keys(RESIZE_POLICY_INFO) as readonly ResizePolicy[];

/** Where the whole image goes: resized to height × width, its top-left corner at (top, left) in the input —
 *  negative when it is cropped, positive when padded. The input is the part of it inside [0, H) × [0, W). */
export interface FitPlan {
  readonly height: number;
  readonly width: number;
  readonly top: number;
  readonly left: number;
}

/** a / b rounded half up, for positive integers (exact: no floating-point ties). */
const roundDiv = (a: number, b: number): number => Math.floor((2 * a + b) / (2 * b));

/** Centred, the odd leftover row or column at the bottom / right (as Keras' crop and pad, and 'same' padding). */
const offset = (inner: number, outer: number): number => (outer >= inner ? Math.floor((outer - inner) / 2) : -Math.floor((inner - outer) / 2));

/**
 * The plan of fitting a srcH × srcW image to dstH × dstW. centerCrop scales so the image covers the input (one side
 * fits, the other is rounded and overflows), letterbox so it fits inside (one side fits, the other is rounded and
 * padded); an image of the input's aspect ratio is stretched under every policy (plain resize, nothing cut or
 * padded). Rounding is round-half-up of exact integer ratios, so the Python exports give the same sizes.
 */
export function fitPlan(srcH: number, srcW: number, dstH: number, dstW: number, policy: ResizePolicy): FitPlan {
  if (policy === 'stretch' || srcH * dstW === srcW * dstH) return { height: dstH, width: dstW, top: 0, left: 0 };
  // The image is relatively wider than the input.
  const wider = srcW * dstH > dstW * srcH;
  const heightFits = policy === 'centerCrop' ? wider : !wider;
  const height = heightFits ? dstH : Math.max(1, roundDiv(srcH * dstW, srcW));
  const width = heightFits ? Math.max(1, roundDiv(srcW * dstH, srcH)) : dstW;
  return { height, width, top: offset(height, dstH), left: offset(width, dstW) };
}
