// Starting points for "CNN: New Model…": the example models, bundled into the extension by esbuild (the
// .vsix ships dist/, not examples/), written back out in the examples' own style. Pure.
import lenet5 from '../../../examples/lenet5.cnn.json';
import mobilenetv2 from '../../../examples/mobilenetv2.cnn.json';
import resnet20 from '../../../examples/resnet20.cnn.json';
import simpleMnist from '../../../examples/simple-mnist-convnet.cnn.json';
import vggCifar from '../../../examples/vgg-cifar.cnn.json';
import { compact } from './jsonText';

export interface ModelTemplate {
  readonly label: string;
  readonly description: string;
  /** Suggested file name without `.cnn.json`. */
  readonly baseName: string;
  readonly model: Readonly<Record<string, unknown>>;
  /** Its training data is the MNIST subset shipped in media/mnist, laid beside the new file as mnist/. */
  readonly bundledMnist?: boolean;
}

export const LENET_MNIST = 'LeNet-5 on MNIST';

export const MODEL_TEMPLATES: readonly ModelTemplate[] = [
  {
    label: LENET_MNIST,
    description: 'MNIST digits, 2 conv + 3 dense; trains at once on the bundled MNIST subset',
    baseName: 'lenet5',
    // The bundled subset has a third of MNIST: more epochs with a cosine schedule reach 98.2 % on its test digits.
    model: { ...lenet5, training: { ...lenet5.training, optimizer: { type: 'adam', learningRate: 0.002, schedule: { type: 'cosine' } }, epochs: 6 } },
    bundledMnist: true,
  },
  { label: 'Simple MNIST convnet', description: "Keras' example, 34,826 parameters; bundled MNIST subset", baseName: 'mnist-convnet', model: simpleMnist, bundledMnist: true },
  // Graph models: their training sections already point at mnist/ (6 epochs, as the LeNet-5 template, to compare).
  { label: 'ResNet-20', description: 'He et al. 2016: 3 stages of 3 residual blocks, 16/32/64 filters, 273,754 parameters; bundled MNIST subset', baseName: 'resnet20', model: resnet20, bundledMnist: true },
  { label: 'MobileNetV2-style network', description: 'inverted residual bottlenecks, depthwise convs, relu6; 47,978 parameters; bundled MNIST subset', baseName: 'mobilenetv2', model: mobilenetv2, bundledMnist: true },
  { label: 'VGG-style CIFAR', description: '32×32×3, conv blocks with batch norm and dropout', baseName: 'vgg-cifar', model: vggCifar },
  {
    label: 'Empty model',
    description: '28×28×1 input, no layers yet',
    baseName: 'model',
    model: { format: 'cnn-studio/model@1', name: 'model', input: { shape: [28, 28, 1] }, layers: [] },
  },
];

/** The template as file text named `name`: top-level and training keys one per line, one layer per line. */
export function templateText(template: ModelTemplate, name: string): string {
  const model = { ...template.model, name };
  const member = (key: string, value: unknown, indent: string): string => {
    if (key === 'layers' && Array.isArray(value) && value.length > 0) {
      return `${indent}"layers": [\n${value.map((l) => `${indent}  ${compact(l)}`).join(',\n')}\n${indent}]`;
    }
    if (key === 'training' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const inner = Object.entries(value).map(([k, v]) => `${indent}  ${JSON.stringify(k)}: ${compact(v)}`);
      return `${indent}"training": {\n${inner.join(',\n')}\n${indent}}`;
    }
    return `${indent}${JSON.stringify(key)}: ${compact(value)}`;
  };
  return `{\n${Object.entries(model).map(([k, v]) => member(k, v, '  ')).join(',\n')}\n}\n`;
}
