// `training.augmentation`: each field names the Keras layer / torchvision transform it matches, so the docs, the
// schema's hovers and the designer say the same. The engine reads the resolved values (augmentation.ts).
import type { ObjectSpec } from './spec';

export const AUGMENTATION_SPEC: ObjectSpec = {
  doc: 'Augmentation, applied per sample in this order: randomResizedCrop, then rotation, zoom and translation about the centre, '
    + 'then the flips (all one bilinear resampling, zero outside the image), then the colour jitter, then cutout.',
  fields: {
    randomResizedCrop: {
      kind: 'object',
      doc: 'Crop a random box and resize it back to the input size, bilinear (torchvision RandomResizedCrop(size, scale, ratio); '
        + 'Keras 3 has no such core layer). An empty object {} uses torchvision\'s defaults.',
      spec: {
        doc: 'Random resized crop.',
        fields: {
          scale: {
            kind: 'numberRange',
            min: 0,
            max: 1,
            exclusiveMin: true,
            default: [0.08, 1],
            doc: 'The box\'s area as a fraction of the image\'s, drawn uniformly from [low, high].',
          },
          ratio: {
            kind: 'numberRange',
            min: 0,
            max: 100,
            exclusiveMin: true,
            default: [3 / 4, 4 / 3],
            doc: 'The box\'s aspect ratio (width / height), drawn log-uniformly from [low, high]; a box that does not fit is drawn '
              + 'again, up to 10 times, then the centre crop is taken (as torchvision).',
          },
        },
        required: [],
      },
    },
    rotation: {
      kind: 'number',
      min: 0,
      max: 180,
      default: 0,
      doc: 'Rotate by a random angle in [−r, r] degrees about the centre, counter-clockwise positive (torchvision '
        + 'RandomRotation(r) / RandomAffine(degrees=r) with bilinear interpolation; Keras RandomRotation(r / 360, fill_mode="constant")).',
    },
    zoom: {
      kind: 'numberRange',
      min: 0,
      max: 10,
      exclusiveMin: true,
      default: [1, 1],
      doc: 'Scale the content about the centre by a factor drawn uniformly from [low, high]: above 1 zooms in, below 1 zooms out '
        + 'with a zero border (torchvision RandomAffine(scale=(low, high)); Keras RandomZoom(1/high − 1 … 1/low − 1, fill_mode="constant") covers the same range).',
    },
    translation: {
      kind: 'number',
      min: 0,
      max: 0.5,
      default: 0,
      doc: 'Shift by a whole number of pixels, drawn uniformly up to this fraction of the height and of the width, zero fill '
        + '(torchvision RandomAffine(translate=(t, t)), which also rounds to whole pixels; Keras RandomTranslation(t, t, fill_mode="constant")).',
    },
    shift: { kind: 'number', min: 0, max: 0.5, default: 0, doc: 'The older name of `translation` (the same setting): give one of them.' },
    horizontalFlip: {
      kind: 'bool',
      default: false,
      doc: 'Mirror left to right with probability 1/2 (torchvision RandomHorizontalFlip(); Keras RandomFlip("horizontal")).',
    },
    verticalFlip: {
      kind: 'bool',
      default: false,
      doc: 'Mirror top to bottom with probability 1/2 (torchvision RandomVerticalFlip(); Keras RandomFlip("vertical")).',
    },
    brightness: {
      kind: 'number',
      min: 0,
      max: 10,
      default: 0,
      doc: 'Multiply by a factor f drawn from [max(0, 1 − b), 1 + b], clipped to [0, 1] (torchvision ColorJitter(brightness=b); '
        + 'Keras RandomBrightness adds instead of multiplying).',
    },
    contrast: {
      kind: 'number',
      min: 0,
      max: 10,
      default: 0,
      doc: 'f·x + (1 − f)·m with f drawn from [max(0, 1 − c), 1 + c] and m the image\'s mean gray level (0.2989 R + 0.587 G + 0.114 B), '
        + 'clipped to [0, 1] (torchvision ColorJitter(contrast=c); Keras RandomContrast blends with each channel\'s mean instead).',
    },
    saturation: {
      kind: 'number',
      min: 0,
      max: 10,
      default: 0,
      doc: 'f·x + (1 − f)·gray with f drawn from [max(0, 1 − s), 1 + s] and gray each pixel\'s 0.2989 R + 0.587 G + 0.114 B, clipped to [0, 1] '
        + '(torchvision ColorJitter(saturation=s)); no effect on 1-channel input.',
    },
    hue: {
      kind: 'number',
      min: 0,
      max: 0.5,
      default: 0,
      doc: 'Turn the hue by a fraction of the colour circle drawn from [−h, h] (through HSV, torchvision ColorJitter(hue=h)); no effect '
        + 'on 1-channel input. The jitters run in a random order per sample, as ColorJitter\'s; RGBA keeps its alpha.',
    },
    cutout: {
      kind: 'object',
      doc: 'Set rectangles to 0 (black) at random centres; the part past the border is cut (Cutout, DeVries & Taylor 2017: '
        + 'torchvision RandomErasing(p=1, value=0) with a fixed size; Keras 3 has no such core layer). An empty object {} makes one hole of half the size.',
      spec: {
        doc: 'Cutout.',
        fields: {
          holes: { kind: 'int', min: 1, max: 100, default: 1, doc: 'Rectangles per sample.' },
          size: {
            kind: 'number',
            min: 0,
            max: 1,
            exclusiveMin: true,
            default: 0.5,
            doc: 'Each rectangle\'s height and width as a fraction of the image\'s (at least one pixel).',
          },
        },
        required: [],
      },
    },
  },
  required: [],
  aliases: [['shift', 'translation']],
};
