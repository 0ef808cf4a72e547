// DenseNet-121's layers as `cnn import` writes them from torchvision's densenet121 exported to ONNX
// (opset 13): each dense layer's second batch norm folded into its first convolution, each block's
// concatenations reading the block input and every earlier layer's new features. Generated rather than
// committed (61 kB); checked against a real import: 370 layers, same types, settings, names and inputs.

export function densenet121(): { format: string; name: string; input: { shape: number[] }; layers: Record<string, unknown>[] } {
  const layers: Record<string, unknown>[] = [
    { type: 'conv2d', name: 'features.conv0', filters: 64, kernelSize: 7, strides: 2, padding: 3 },
    { type: 'relu', name: 'features.relu0' },
    { type: 'maxPool2d', name: 'features.pool0', poolSize: 3, strides: 2, padding: 1 },
  ];
  let entry = 'features.pool0';
  let channels = 64;
  const blocks = [6, 12, 24, 16];
  blocks.forEach((count, b) => {
    const block = `features.denseblock${b + 1}`;
    const features = [entry];
    let prev = entry;
    for (let j = 1; j <= count; j++) {
      const l = `${block}.denselayer${j}`;
      // The first dense layer's norm reads the entry; a later one reads the concatenation before it.
      layers.push(
        { type: 'batchNorm', name: `${l}.norm1`, epsilon: 0.00001, momentum: 0.9, ...(prev !== layerName(layers.at(-1)) ? { inputs: [prev] } : {}) },
        { type: 'relu', name: `${l}.relu1` },
        { type: 'conv2d', name: `${l}.conv1`, filters: 128, kernelSize: 1 },
        { type: 'relu', name: `${l}.relu2` },
        { type: 'conv2d', name: `${l}.conv2`, filters: 32, kernelSize: 3, padding: 'same', useBias: false },
      );
      features.push(`${l}.conv2`);
      prev = j === count ? block : `${block}.denselayer${j + 1}`;
      layers.push({ type: 'concatenate', name: prev, inputs: [...features] });
    }
    channels += 32 * count;
    if (b === blocks.length - 1) return;
    const t = `features.transition${b + 1}`;
    channels /= 2;
    layers.push(
      { type: 'batchNorm', name: `${t}.norm`, epsilon: 0.00001, momentum: 0.9 },
      { type: 'relu', name: `${t}.relu` },
      { type: 'conv2d', name: `${t}.conv`, filters: channels, kernelSize: 1, useBias: false },
      { type: 'zeroPadding2D', name: `${t}.pool`, padding: 0 },
      { type: 'avgPool2d', name: `${t}.pool_1`, poolSize: 2 },
    );
    entry = `${t}.pool_1`;
  });
  layers.push({ type: 'batchNorm', name: 'features.norm5', epsilon: 0.00001, momentum: 0.9 }, { type: 'relu' }, { type: 'globalAvgPool2d' }, { type: 'dense', name: 'classifier', units: 1000 });
  return { format: 'cnn-studio/model@1', name: 'densenet121', input: { shape: [224, 224, 3] }, layers };
}

function layerName(l: Record<string, unknown> | undefined): unknown {
  return l?.name;
}
