// What every export says about the input a model expects: how CNN Studio turns an image file into it (channels,
// the input's resize policy, / 255). The exported code must be fed the same, so each export writes it where its
// users read (model.py's and the Keras script's docstrings, train.py, the ONNX metadata).
import { inputResize } from '../model/defaults';
import { RESIZE_POLICY_INFO } from '../model/resize';
import type { Model, ResizePolicy } from '../model/types';

/** The ONNX metadata keys: the policy by name (read back by the import), and the sentence. */
export const RESIZE_METADATA_KEY = 'resize';
export const PREPROCESSING_METADATA_KEY = 'preprocessing';

function channelsText(channels: number): string {
  if (channels === 1) return 'gray (ITU-R BT.601 luminance, alpha composited on black)';
  if (channels === 3) return 'RGB (alpha composited on black)';
  return 'RGBA';
}

/** One sentence: "each image is decoded to RGB (…), fitted to 224 × 224 (height × width) by "centerCrop" — … — and divided by 255 …". */
export function preprocessingSentence(model: Model): string {
  const [h, w, c] = model.input.shape;
  const policy = inputResize(model.input);
  return (
    `each image is decoded to ${channelsText(c)}, fitted to ${h} × ${w} (height × width) by "${policy}" — ` +
    `${RESIZE_POLICY_INFO[policy].doc} — and divided by 255 (values 0…1), as CNN Studio feeds it`
  );
}

/** The policy's counterparts in the Keras and torchvision loaders, for the docstrings. */
export function resizeCounterparts(policy: ResizePolicy, [h, w, c]: readonly [number, number, number]): { keras: string; torchvision: string } {
  const size = `(${h}, ${w})`;
  const colour = c === 1 ? ', color_mode="grayscale"' : c === 4 ? ', color_mode="rgba"' : '';
  switch (policy) {
    case 'stretch':
      return { keras: `image_size=${size}${colour}`, torchvision: `transforms.Resize(${size})` };
    case 'centerCrop':
      return {
        keras: `image_size=${size}${colour}, crop_to_aspect_ratio=True`,
        torchvision: h === w ? `transforms.Resize(${h}) then transforms.CenterCrop(${size})` : `the scale of max(${h} / height, ${w} / width), then transforms.CenterCrop(${size})`,
      };
    case 'letterbox':
      return {
        keras: `image_size=${size}${colour}, pad_to_aspect_ratio=True (Keras 3)`,
        torchvision: `the scale of min(${h} / height, ${w} / width), then transforms.Pad to ${size} with fill=0, centred`,
      };
  }
}

/** Text wrapped to lines of at most `width` characters (words kept whole). */
export function wrap(text: string, width = 116): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
