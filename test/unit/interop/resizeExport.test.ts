// input.resize in every export: PyTorch's model.py (INPUT_RESIZE, the docstring with torchvision's transforms) and
// train.py (fit() with that policy for image folders and IDX data), the Keras script's docstring (Keras' loader
// arguments), the ONNX metadata ("resize", "preprocessing"), which the import reads back into input.resize.
import assert from 'node:assert/strict';
import { exportKeras } from '../../../src/interop/keras/export';
import { exportOnnx } from '../../../src/interop/onnx/export';
import { importOnnx } from '../../../src/interop/onnx/import';
import { decodeModel } from '../../../src/interop/onnx/proto';
import { exportPytorch } from '../../../src/interop/pytorch/export';
import { RESIZE_POLICIES } from '../../../src/model/resize';
import { analyze } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Model, type ResizePolicy } from '../../../src/model/types';
import { networkOf, weightsOf } from './helpers';

function modelWith(shape: readonly [number, number, number], resize?: ResizePolicy): Model {
  return {
    format: MODEL_FORMAT,
    name: 'photos',
    input: { shape, ...(resize ? { resize } : {}) },
    layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'globalAvgPool2d' }, { type: 'dense', units: 3, activation: 'softmax' }],
  };
}

const pytorch = (model: Model): ReturnType<typeof exportPytorch> =>
  exportPytorch({ model, analysis: analyze(model.input.shape, model.layers), fingerprint: 'f', modelFile: 'photos.cnn.json', modelDir: '..', weightsSource: 'w' });
const keras = (model: Model): string => exportKeras({ model, analysis: analyze(model.input.shape, model.layers), modelFile: 'photos.cnn.json', fingerprint: 'f', weightsFile: 'w.safetensors' });
const onnxOf = (model: Model): Uint8Array => exportOnnx({ model, analysis: analyze(model.input.shape, model.layers), weights: weightsOf(networkOf(model)) });
/** The docstring's text on one line. */
const flat = (text: string): string => text.replace(/\n/g, ' ');

describe('input.resize in the exports', () => {
  it('PyTorch model.py says the policy (INPUT_RESIZE) and the torchvision transforms that match it', () => {
    const expected: Record<ResizePolicy, string> = {
      stretch: 'with torchvision: transforms.Resize((64, 64)), then transforms.ToTensor()',
      centerCrop: 'with torchvision: transforms.Resize(64) then transforms.CenterCrop((64, 64)), then transforms.ToTensor()',
      letterbox: 'with torchvision: the scale of min(64 / height, 64 / width), then transforms.Pad to (64, 64) with fill=0, centred',
    };
    for (const policy of RESIZE_POLICIES) {
      const py = pytorch(modelWith([64, 64, 3], policy)).modelPy;
      assert.match(py, new RegExp(`^INPUT_RESIZE = "${policy}" {2}# how an image is fitted to INPUT_SHAPE`, 'm'));
      assert.ok(flat(py).includes(`fitted to 64 × 64 (height × width) by "${policy}"`), policy);
      assert.ok(flat(py).includes(expected[policy]), `${policy}: ${flat(py).slice(0, 1200)}`);
    }
    // A non-square input: the scale depends on the image, so Resize(side) + CenterCrop is not offered.
    assert.ok(flat(pytorch(modelWith([32, 64, 3], 'centerCrop')).modelPy).includes('the scale of max(32 / height, 64 / width), then transforms.CenterCrop((32, 64))'));
    // No resize in the model file: stretch, as CNN Studio does.
    assert.match(pytorch(modelWith([64, 64, 3])).modelPy, /^INPUT_RESIZE = "stretch"/m);
  });

  it('PyTorch train.py fits folders and IDX data by INPUT_RESIZE with the same geometry', () => {
    const train = pytorch(modelWith([64, 64, 3], 'letterbox')).trainPy;
    assert.match(train, /^from model import INPUT_RESIZE, INPUT_SHAPE, LEARNING_RATE_MULTIPLIERS, OUTPUT_ACTIVATION, Photos as Model {2}# noqa: E402$/m);
    assert.ok(train.includes('images.append(fit(rgba_to_channels(rgba, channels)[None], height, width, INPUT_RESIZE)[0])'));
    assert.ok(train.includes('x = to_channels(fit(x, shape[0], shape[1], INPUT_RESIZE), shape[2])'));
    assert.ok(train.includes('def fit_plan(h, w, height, width, policy):'));
    assert.ok(flat(train).includes('Images are read as CNN Studio reads them: each image is decoded to RGB (alpha composited on black), fitted to 64 × 64 (height × width) by "letterbox"'));
  });

  it("the Keras script names Keras' loader arguments for the policy", () => {
    const loader: Record<ResizePolicy, string> = {
      stretch: 'image_dataset_from_directory(folder, image_size=(64, 64)) then keras.layers.Rescaling(1 / 255).',
      centerCrop: 'image_dataset_from_directory(folder, image_size=(64, 64), crop_to_aspect_ratio=True) then keras.layers.Rescaling(1 / 255) (Keras crops',
      letterbox: 'image_dataset_from_directory(folder, image_size=(64, 64), pad_to_aspect_ratio=True (Keras 3)) then',
    };
    for (const policy of RESIZE_POLICIES) {
      const text = flat(keras(modelWith([64, 64, 3], policy)));
      assert.ok(text.includes(loader[policy]), `${policy}: ${text.slice(0, 1400)}`);
      assert.equal(text.includes('crop_to_aspect_ratio=True'), policy === 'centerCrop');
      assert.equal(text.includes('pad_to_aspect_ratio=True'), policy === 'letterbox');
    }
    assert.ok(flat(keras(modelWith([28, 28, 1], 'centerCrop'))).includes('image_size=(28, 28), color_mode="grayscale", crop_to_aspect_ratio=True'));
  });

  it('ONNX: the policy and the preprocessing in the metadata; the import reads the policy back', () => {
    for (const policy of RESIZE_POLICIES) {
      const model = modelWith([16, 24, 3], policy);
      const bytes = onnxOf(model);
      const props = Object.fromEntries((decodeModel(bytes).metadataProps ?? []).map((p) => [p.key, p.value]));
      assert.equal(props.resize, policy);
      assert.match(props.preprocessing!, new RegExp(`^NHWC float32: each image is decoded to RGB \\(alpha composited on black\\), fitted to 16 × 24 \\(height × width\\) by "${policy}" — `));
      const back = importOnnx(bytes, { name: 'back' }).model;
      // The default stays implicit, as in a model file that never said it.
      assert.deepEqual(back.input, policy === 'stretch' ? { shape: [16, 24, 3] } : { shape: [16, 24, 3], resize: policy });
    }
  });
});
