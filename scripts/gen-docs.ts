// Writes docs/model-format.md: the hand-written introduction plus reference tables generated from the spec.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAYER_ITEM, MODEL_SPEC, OPTIMIZER_SPEC, TRAINING_SPEC } from '../src/model/modelSpec';
import { INPUT_DEFAULTS } from '../src/model/defaults';
import { RESIZE_POLICY_INFO } from '../src/model/resize';
import { LAYER_SPECS, type FieldSpec, type ObjectSpec } from '../src/model/spec';

export const DOCS_PATH = join(__dirname, '..', 'docs', 'model-format.md');

const RESIZE_ROWS = Object.entries(RESIZE_POLICY_INFO)
  .map(([name, info]) => `| \`"${name}"\`${name === INPUT_DEFAULTS.resize ? ' (default)' : ''} | ${info.doc} | ${info.keras} | ${info.torchvision} |`)
  .join('\n');

const INTRO = `# The \`*.cnn.json\` model format, version 1

A model is one JSON file (strict JSON: no comments). Shapes are \`[height, width, channels]\`; field names follow
Keras, and parameter counts equal what Keras' \`model.summary()\` prints for the same model. Unknown fields and
types are errors with a "did you mean" hint. This page is generated from the same tables the validator uses
(\`src/model/spec.ts\`, \`src/model/modelSpec.ts\`); the JSON Schema in \`schema/\` is too.

\`\`\`json
{
  "format": "cnn-studio/model@1",
  "name": "lenet5",
  "input": { "shape": [28, 28, 1] },
  "layers": [
    { "type": "conv2d", "filters": 6, "kernelSize": 5, "padding": "same", "activation": "relu" },
    { "type": "maxPool2d", "poolSize": 2 },
    { "type": "flatten" },
    { "type": "dense", "units": 10, "activation": "softmax" }
  ],
  "training": {
    "data": { "train": { "images": "mnist/train-images-idx3-ubyte.gz", "labels": "mnist/train-labels-idx1-ubyte.gz" },
              "test": "digits/test" },
    "optimizer": { "type": "adam", "learningRate": 0.001 },
    "loss": "categoricalCrossentropy", "batchSize": 32, "epochs": 5, "validationSplit": 0.1, "seed": 1
  }
}
\`\`\`

## Data sources
A data source is either an IDX pair \`{ "images": …, "labels": … }\` (MNIST / Fashion-MNIST files, plain or
gzip) or a string naming a folder with one subfolder of PNG/JPEG images per class (class names are the sorted
subfolder names). Paths are relative to the model file. Images are converted to the input's channels and
fitted to its height and width by \`input.resize\` (below); unreadable files are skipped with a warning.

## Non-square images: \`input.resize\`
How an image whose aspect ratio differs from the input's is fitted to its height × width. It is part of the model:
training (and the dataset cache, one per policy), \`cnn evaluate\`, \`cnn predict\`, \`cnn explain\`, VS Code's predict and
explain, and the exports (train.py does the same, the docstrings and the ONNX metadata say it) all fit images the same way.

| \`resize\` | what happens | Keras loaders | torchvision |
|---|---|---|---|
${RESIZE_ROWS}

\`"input": { "shape": [224, 224, 3], "resize": "centerCrop" }\`: a photo 640 wide and 480 high is scaled to 299 × 224
(width × height) and its middle 224 columns kept (37 cut on the left, 38 on the right); with \`"letterbox"\` it is
scaled to 224 × 168 and placed between black bars of 28 rows above and below. The geometry (\`src/model/resize.ts\`):
centerCrop scales by the larger of input height / image height and input width / image width, letterbox by the
smaller, so one side equals the input's and the other is rounded half up; the image is centred, an odd leftover row
or column going to the bottom / right (as Keras centres). Keras crops or pads the *source* to the input's aspect
ratio and then resizes; CNN Studio (like torchvision and libvips) resizes and then crops or pads the result: the same
window to within a pixel's rounding, and letterbox bars that are exactly 0, with no blended edge. An image of the
input's aspect ratio is resized alike under every policy. Padding is 0 in every channel (black; transparent for an
RGBA input). Images are decoded with sharp (libvips, a linear filter) or, where sharp is unavailable, the JavaScript
decoders (area averaging): the same geometry, pixels within a few levels of each other.

## Shapes and counts
- \`padding: "same"\` pads so that stride 1 keeps the size; odd padding puts the extra row/column at the
  bottom/right (as Keras and TensorFlow).
- Multiply-adds count conv, depthwise and separable conv and dense (one per weight use) and batch normalisation
  (one per value); merges, padding, pooling and activations count none.
- Activation memory is the sum of every layer's output (and the input) in float32, per sample.
`;

const GRAPHS = `## Graphs: shortcuts and branches
Without \`inputs\` a layer takes the previous layer's output (the first layer takes the model input), so a plain list
of layers is a chain, exactly as before. A layer may instead name the layers it takes in \`inputs\`: this is how
residual connections (ResNet, MobileNetV2) and concatenated branches (DenseNet, Inception) are written.

\`\`\`json
"layers": [
  { "type": "conv2d", "name": "stem", "filters": 16, "kernelSize": 3, "padding": "same", "activation": "relu" },
  { "type": "conv2d", "filters": 16, "kernelSize": 3, "padding": "same", "activation": "relu" },
  { "type": "conv2d", "name": "block1_conv2", "filters": 16, "kernelSize": 3, "padding": "same" },
  { "type": "add", "name": "block1_add", "inputs": ["stem", "block1_conv2"] },
  { "type": "relu", "name": "block1_out" },
  { "type": "conv2d", "name": "branch", "inputs": ["stem"], "filters": 8, "kernelSize": 1 },
  { "type": "concatenate", "inputs": ["block1_out", "branch"] }
]
\`\`\`

- **References**: each entry of \`inputs\` is the \`name\` of an earlier layer, or \`"input"\` for the model input.
  Layers are listed in dependency order (as ONNX sorts its nodes): naming a later layer, or the layer itself, is an
  error at that entry, and so is a name no layer has (with a "did you mean"). \`inputs\` is never empty; leave it
  out to take the previous layer.
- **Names**: \`name\` is optional; without it a layer is called \`<type>_<index>\` (\`conv2d_1\`). A layer that another
  layer references must have an explicit \`name\` (a default name changes when layers move). Names are unique,
  also against other layers' default names, and \`"input"\` is reserved for the model input. Trained weights are
  named after the layer (\`block1_conv2.kernel\`).
- **Output**: the model's output is the last layer. A layer whose output does not reach it (nothing reads it, or only
  layers that do not reach it either) is a *dead branch*: a warning, not an error: the model still trains.
- **Merges**: \`add\` (Keras \`Add\`) sums two or more inputs of equal shape; \`concatenate\` (Keras \`Concatenate\`)
  joins two or more inputs along the last axis (channels), all other dimensions equal: 8×8×16 and 8×8×8 give
  8×8×24. A mismatch names both inputs and their shapes, at the entry that differs:
  \`add needs equal shapes: "block2_conv2" gives 16×16×64 but "block1_out" gives 32×32×32\`. Every other layer takes
  exactly one input. The same input may be listed twice (\`add([x, x])\`).
- **New layers** (no parameters unless stated; counts equal Keras'):
  - \`zeroPadding2D\` (Keras \`ZeroPadding2D\`): \`padding\` is n on every side, \`[h, w]\` (top = bottom = h,
    left = right = w) or \`[[top, bottom], [left, right]]\`; [H, W, C] becomes [H + top + bottom, W + left + right, C].
  - \`separableConv2d\` (Keras \`SeparableConv2D\`): a depthwise convolution with \`depthMultiplier\` (m) kernels
    per input channel, then a 1×1 convolution to \`filters\` (f) channels: kh·kw·C·m + C·m·f (+ f with
    \`useBias\`) parameters. SeparableConv2D(64, 3) on 32×32×32: 32·9 + 32·64 + 64 = 2,400.
  - \`relu6\` (Keras \`ReLU(max_value=6)\`): min(max(x, 0), 6); \`swish\` (Keras \`Activation("swish")\`, also
    called SiLU): x·sigmoid(x). Both are also \`activation\` values of conv, depthwise, separable and dense layers.
- Keras Applications' ResNet-50 written this way (\`test/unit/model/fixtures/resnet50.cnn.json\`, Keras' layer names)
  gives Keras' totals: 25,636,712 parameters, 25,583,592 trainable, 53,120 non-trainable.
`;

const FROZEN = `## Frozen layers (transfer learning)

\`"trainable": false\` on a layer freezes it, as Keras' \`layer.trainable = False\`: the basis of transfer learning
(train a new head on a pretrained backbone, then unfreeze some of it to fine-tune). Every layer type has the field;
the default is \`true\`, and on a layer without parameters (\`relu\`, \`flatten\`) it is allowed but changes nothing.

- Its parameters get no gradient and no optimizer update (no optimizer slots either), and count as non-trainable in
  \`cnn summary\`, the designer's totals and hover, as in Keras' \`model.summary()\`: a frozen conv's kernel and bias, a
  frozen batch norm's γ and β as well as its moving statistics.
- A frozen \`batchNorm\` normalises with its moving statistics in training too, and does not update them (Keras' rule
  since TF 2.0; the PyTorch export keeps such a layer in eval mode when the model trains).
- The input gradient still flows through a frozen layer to a trainable one before it. Where nothing before a layer
  is trainable (a frozen backbone), training runs no backward pass for it at all, and the training-memory estimate
  counts no gradient or optimizer slot for frozen parameters.
- Weights are saved and loaded as ever: freezing or unfreezing a layer keeps the architecture fingerprint, so
  \`cnn train --warm-start\` (or an import's weights) starts from the weights trained before. Resuming a run
  (\`--resume\`) after unfreezing a layer is refused: its optimizer state has no slots for the newly trainable
  parameters; start a new run with \`--warm-start\` instead.
- The designer's toolbar has "Freeze up to layer n" (\`"trainable": false\` on that layer and every earlier one with
  parameters; every later layer trains) and "Unfreeze all".
- Exports: Keras gets \`trainable=False\` on the layer; PyTorch's model.py calls \`requires_grad_(False)\` on the frozen
  modules (train.py's optimizer then skips them); ONNX has no notion of it (an inference graph).

### Learning-rate multipliers (discriminative fine-tuning)

Between frozen and fully trained: \`"learningRateMultiplier": 0.1\` on a layer trains its parameters at a tenth of the
rate (fastai's discriminative learning rates, MATLAB's \`WeightLearnRateFactor\` and \`BiasLearnRateFactor\` as one
factor, a PyTorch param group with its own \`lr\`): fine-tune a pretrained backbone gently while the new head learns
at the full rate. A number from 0 to 1000, default 1; every layer type has the field.

- Every optimizer (\`sgd\` with or without (Nesterov) momentum, \`adam\`, \`adamw\`, \`rmsprop\`) updates the layer's
  parameters with the learning rate × the multiplier, and under a schedule with the schedule's rate of the epoch ×
  the multiplier. Everything else is as for the other parameters: the gradient, \`clipNorm\` (the global norm counts
  every trainable parameter), L2 \`weightDecay\` (added to the gradient) and the optimizer's slots. AdamW's decoupled
  decay follows PyTorch's param groups: p ← p − lr × multiplier × weightDecay × p.
- 0 is allowed (the parameters stay as they are) but warned about: \`"trainable": false\` does the same without
  computing their gradients (the quick fix writes it). On a frozen layer or a layer without parameters the field has no
  effect: a warning (the quick fix removes it).
- \`cnn summary\` marks such a layer \`lr ×0.1\` beside its type, hover says it, and the designer's inspector edits it.
- Like \`trainable\`, it does not change the architecture fingerprint (trained weights load), nor the optimizer
  state's layout: \`--resume\` continues with the new multipliers.
- Exports: PyTorch's train.py puts each multiplier's parameters in a param group whose \`lr\` is the epoch's rate ×
  the multiplier (\`LEARNING_RATE_MULTIPLIERS\` in model.py); Keras has no per-layer learning rate, so the Keras
  export refuses a layer whose multiplier is not 1; ONNX has no notion of it (an inference graph).
`;

const AUGMENTATION = `Each training sample is changed anew in every batch, from the training seed: the same seed gives the same
batches. Per sample the ops run in this order: \`randomResizedCrop\`; then \`rotation\`, \`zoom\` and \`translation\` about
the centre (torchvision RandomAffine's order: translation last); then the flips. These are composed into one affine map
and one bilinear resampling (pixel centres at index + 0.5, as \`align_corners=False\`): a point inside the image reads
it (its outer half pixel repeats the edge, as a resize does), a point outside it is 0 (black). A map that lands on
whole pixels (flips, translations, right angles) copies pixels exactly. The crop reads the whole image, so where the
box's edge lies inside the image its outermost output pixels blend with the pixels just past the edge (torchvision,
resizing the box alone, repeats the edge there). Then the colour jitter (\`brightness\`, \`contrast\`, \`saturation\`,
\`hue\`: torchvision ColorJitter's formulas, in a random order per sample as ColorJitter's), then \`cutout\`, whose
rectangles are 0. Values stay in [0, 1].

The random numbers are drawn per sample in this fixed order, each only when its op is on: the crop (pairs of scale and
log-ratio, up to 10 until the box fits, then its top and left), the angle, the zoom factor, the vertical then the
horizontal whole-pixel translation, the horizontal flip, the vertical flip, the colour ops' order (3 draws), the
brightness, contrast, saturation and hue factors, and each cutout hole's centre row then column. A file with only
\`shift\` (the older name of \`translation\`) and \`horizontalFlip\` gets exactly the batches it got before the other
ops existed. The PyTorch export's train.py does the same ops in the same order, from PyTorch's random numbers.
\`cnn augment-preview model.cnn.json -o grid.png\` writes a grid of augmented training samples: what the network sees.

\`\`\`json
"augmentation": {
  "randomResizedCrop": { "scale": [0.5, 1] },
  "rotation": 15,
  "horizontalFlip": true,
  "brightness": 0.2, "contrast": 0.2, "saturation": 0.2, "hue": 0.02,
  "cutout": { "holes": 1, "size": 0.25 }
}
\`\`\``;

function describeField(f: FieldSpec): string {
  switch (f.kind) {
    case 'int':
      return `integer ${f.min}…${f.max}`;
    case 'intOrPair':
      return `integer or [h, w], ${f.min}…${f.max}`;
    case 'number':
      return `number ${f.exclusiveMin ? '>' : '≥'} ${f.min}, ${f.exclusiveMax ? '<' : '≤'} ${f.max}`;
    case 'numberRange':
      return `[low, high], ${f.exclusiveMin ? '>' : '≥'} ${f.min}, ≤ ${f.max}`;
    case 'numberOrList':
      return `number or [one per channel], ${f.exclusiveMin ? '>' : '≥'} ${f.min}, ≤ ${f.max}`;
    case 'enum':
      return f.values.map((v) => `\`"${v}"\``).join(', ');
    case 'bool':
      return 'true / false';
    case 'string':
      return 'string';
    case 'shape3':
      return '[height, width, channels]';
    case 'layerRefs':
      return 'array of earlier layer names or `"input"`';
    case 'padding2d':
      return `integer, [h, w] or [[top, bottom], [left, right]], ${f.min}…${f.max}`;
    case 'windowPadding':
      return `${f.values.map((v) => `\`"${v}"\``).join(', ')}, or integer, [h, w] or [[top, bottom], [left, right]], ${f.min}…${f.max}`;
    case 'object':
      return 'object (below)';
    case 'tagged':
      return `object with "type": ${Object.keys(f.variants).map((v) => `\`${v}\``).join(', ')}`;
    case 'array':
      return 'array';
    case 'dataSource':
      return 'folder path or { images, labels }';
  }
}

function fieldTable(spec: ObjectSpec): string {
  const rows = Object.entries(spec.fields).map(([name, f]) => {
    const req = spec.required.includes(name) ? 'required' : 'default' in f && f.default !== undefined ? `\`${JSON.stringify(f.default)}\`` : '—';
    return `| \`${name}\` | ${describeField(f)} | ${req} | ${f.doc.replace(/\|/g, '\\|')} |`;
  });
  return ['| field | value | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export function docsText(): string {
  const input = MODEL_SPEC.fields.input;
  const parts = [INTRO, GRAPHS, FROZEN, '## Top level', fieldTable(MODEL_SPEC), ...(input.kind === 'object' ? ['### `input`', fieldTable(input.spec)] : []), '## Layers', LAYER_ITEM.doc];
  for (const [type, spec] of Object.entries(LAYER_SPECS)) {
    parts.push(`### \`${type}\` (Keras \`${spec.keras}\`)`, spec.doc, fieldTable(spec));
  }
  parts.push('## `training`', fieldTable(TRAINING_SPEC));
  for (const [name, f] of Object.entries(TRAINING_SPEC.fields)) {
    if (f.kind !== 'object') continue;
    parts.push(`### \`training.${name}\``, ...(name === 'augmentation' ? [AUGMENTATION] : []), fieldTable(f.spec));
    for (const [inner, g] of Object.entries(f.spec.fields)) {
      if (g.kind === 'object') parts.push(`#### \`training.${name}.${inner}\``, fieldTable(g.spec));
    }
  }
  if (OPTIMIZER_SPEC.kind === 'tagged') {
    for (const [type, spec] of Object.entries(OPTIMIZER_SPEC.variants)) parts.push(`### optimizer \`${type}\``, spec.doc, fieldTable(spec));
    const schedule = OPTIMIZER_SPEC.variants.sgd.fields.schedule;
    if (schedule.kind === 'tagged') {
      for (const [type, spec] of Object.entries(schedule.variants)) parts.push(`### schedule \`${type}\``, spec.doc, fieldTable(spec));
    }
  }
  return parts.join('\n\n') + '\n';
}

if (require.main === module) {
  writeFileSync(DOCS_PATH, docsText());
  console.log(`wrote ${DOCS_PATH}`);
}
