// A 2,004-layer model for the designer at scale: a conv stem, three stages of 95 residual blocks (conv-BN-ReLU-
// conv-BN, add, ReLU: 7 layers each) with 16, 32 and 64 filters, the first block of stages 2 and 3 halving the
// size through a projection shortcut (1×1 conv, stride 2, and BN: 9 layers), global average pooling and a
// dense softmax. A long chain of 285 diamonds whose stages differ only past their first block.

export const DEEP_STAGES = 3;
export const DEEP_BLOCKS_PER_STAGE = 95;

export function deepResnet(): { format: string; name: string; input: { shape: number[] }; layers: Record<string, unknown>[] } {
  const layers: Record<string, unknown>[] = [
    { type: 'conv2d', name: 'stem_conv', filters: 16, kernelSize: 3, padding: 'same', useBias: false },
    { type: 'batchNorm', name: 'stem_bn' },
    { type: 'relu', name: 'stem_relu' },
  ];
  let entry = 'stem_relu';
  for (let s = 1; s <= DEEP_STAGES; s++) {
    const filters = 16 << (s - 1);
    for (let b = 1; b <= DEEP_BLOCKS_PER_STAGE; b++) {
      const p = `stage${s}_block${b}`;
      const down = s > 1 && b === 1;
      layers.push(
        { type: 'conv2d', name: `${p}_conv1`, filters, kernelSize: 3, padding: 'same', useBias: false, ...(down ? { strides: 2 } : {}) },
        { type: 'batchNorm', name: `${p}_bn1` },
        { type: 'relu', name: `${p}_relu1` },
        { type: 'conv2d', name: `${p}_conv2`, filters, kernelSize: 3, padding: 'same', useBias: false },
        { type: 'batchNorm', name: `${p}_bn2` },
      );
      if (down) {
        layers.push(
          { type: 'conv2d', name: `${p}_proj`, filters, kernelSize: 1, strides: 2, useBias: false, inputs: [entry] },
          { type: 'batchNorm', name: `${p}_proj_bn` },
        );
      }
      layers.push(
        { type: 'add', name: `${p}_add`, inputs: [`${p}_bn2`, down ? `${p}_proj_bn` : entry] },
        { type: 'relu', name: `${p}_out` },
      );
      entry = `${p}_out`;
    }
  }
  layers.push({ type: 'globalAvgPool2d', name: 'avg_pool' }, { type: 'dense', name: 'predictions', units: 10, activation: 'softmax' });
  return { format: 'cnn-studio/model@1', name: 'deep2000', input: { shape: [32, 32, 3] }, layers };
}
