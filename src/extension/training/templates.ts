// The "LeNet-5 on MNIST" template for "CNN: New Model…": a model that trains at once, offline, in any
// workspace. The compact real MNIST subset shipped in the extension (media/mnist, gzipped IDX) is copied
// next to the new model, so the model's relative data paths keep working if the folder moves.
import * as vscode from 'vscode';

export const MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'] as const;

/** The model text; `dataDir` is the data folder relative to the model file. */
export function lenetMnistModelText(name: string, dataDir = 'mnist'): string {
  const src = (file: string): string => JSON.stringify(`${dataDir}/${file}`);
  return `{
  "format": "cnn-studio/model@1",
  "name": ${JSON.stringify(name)},
  "description": "LeNet-5 (LeCun et al., 1998) with ReLU and max pooling, on the compact MNIST subset shipped with CNN Studio.",
  "input": { "shape": [28, 28, 1] },
  "layers": [
    { "type": "conv2d", "filters": 6, "kernelSize": 5, "padding": "same", "activation": "relu" },
    { "type": "maxPool2d", "poolSize": 2 },
    { "type": "conv2d", "filters": 16, "kernelSize": 5, "activation": "relu" },
    { "type": "maxPool2d", "poolSize": 2 },
    { "type": "flatten" },
    { "type": "dense", "units": 120, "activation": "relu" },
    { "type": "dense", "units": 84, "activation": "relu" },
    { "type": "dense", "units": 10, "activation": "softmax" }
  ],
  "training": {
    "data": {
      "train": { "images": ${src(MNIST_FILES[0])}, "labels": ${src(MNIST_FILES[1])} },
      "test": { "images": ${src(MNIST_FILES[2])}, "labels": ${src(MNIST_FILES[3])} }
    },
    "optimizer": { "type": "adam", "learningRate": 0.001 },
    "loss": "categoricalCrossentropy",
    "batchSize": 32,
    "epochs": 8,
    "validationSplit": 0.1,
    "seed": 1
  }
}
`;
}

/**
 * Copies the bundled subset into `<folder>/<dataDir>/` (files already there are kept) and returns the
 * model text that points to it. `folder` is where the new model file goes.
 */
export async function createLenetMnist(extensionUri: vscode.Uri, folder: vscode.Uri, name: string, dataDir = 'mnist'): Promise<string> {
  const target = vscode.Uri.joinPath(folder, dataDir);
  await vscode.workspace.fs.createDirectory(target);
  for (const file of MNIST_FILES) {
    const to = vscode.Uri.joinPath(target, file);
    const exists = await vscode.workspace.fs.stat(to).then(
      () => true,
      () => false,
    );
    if (!exists) await vscode.workspace.fs.copy(vscode.Uri.joinPath(extensionUri, 'media', 'mnist', file), to);
  }
  return lenetMnistModelText(name, dataDir);
}
