// A batch of activations: Float32Array data in NHWC order (or [N, features]) with its shape.
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: readonly number[], data?: Float32Array): Tensor {
  const size = sizeOf(shape);
  if (data && data.length !== size) throw new Error(`tensor data has ${data.length} values, shape [${shape.join(', ')}] needs ${size}`);
  return { shape: [...shape], data: data ?? new Float32Array(size) };
}

/** `prev` when it already has `shape`, else a fresh zeroed tensor: layers keep one buffer per batch size. */
export function reuse(prev: Tensor | undefined, shape: readonly number[]): Tensor {
  if (prev && prev.shape.length === shape.length && prev.shape.every((d, i) => d === shape[i])) return prev;
  return tensor(shape);
}

/** A deep copy (outputs of forward() live in layer-owned buffers that the next call overwrites). */
export function cloneTensor(t: Tensor): Tensor {
  return { shape: [...t.shape], data: t.data.slice() };
}
