// Writes docs/model-format.md: the hand-written introduction plus reference tables generated from the spec.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAYER_ITEM, MODEL_SPEC, OPTIMIZER_SPEC, TRAINING_SPEC } from '../src/model/modelSpec';
import { LAYER_SPECS, type FieldSpec, type ObjectSpec } from '../src/model/spec';

export const DOCS_PATH = join(__dirname, '..', 'docs', 'model-format.md');

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
resized to its height and width; unreadable files are skipped with a warning.

## Shapes and counts
- \`padding: "same"\` pads so that stride 1 keeps the size; odd padding puts the extra row/column at the
  bottom/right (as Keras and TensorFlow).
- Multiply-adds count conv, depthwise conv and dense (one per weight use) and batch normalisation (one per value).
- Activation memory is the sum of every layer's output (and the input) in float32, per sample.
`;

function describeField(f: FieldSpec): string {
  switch (f.kind) {
    case 'int':
      return `integer ${f.min}…${f.max}`;
    case 'intOrPair':
      return `integer or [h, w], ${f.min}…${f.max}`;
    case 'number':
      return `number ${f.exclusiveMin ? '>' : '≥'} ${f.min}, ${f.exclusiveMax ? '<' : '≤'} ${f.max}`;
    case 'enum':
      return f.values.map((v) => `\`"${v}"\``).join(', ');
    case 'bool':
      return 'true / false';
    case 'string':
      return 'string';
    case 'shape3':
      return '[height, width, channels]';
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
  const parts = [INTRO, '## Top level', fieldTable(MODEL_SPEC), '## Layers', LAYER_ITEM.doc];
  for (const [type, spec] of Object.entries(LAYER_SPECS)) {
    parts.push(`### \`${type}\` (Keras \`${spec.keras}\`)`, spec.doc, fieldTable(spec));
  }
  parts.push('## `training`', fieldTable(TRAINING_SPEC));
  for (const [name, f] of Object.entries(TRAINING_SPEC.fields)) if (f.kind === 'object') parts.push(`### \`training.${name}\``, fieldTable(f.spec));
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
