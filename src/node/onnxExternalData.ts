// The files an ONNX model keeps its big tensors in (interop/onnx/externalData.ts), read from the model's folder.
// A location may not leave that folder: a hostile file must not read /etc/passwd into a weight.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ReadExternalData } from '../interop/onnx/externalData';

export function externalDataReader(modelPath: string): ReadExternalData {
  const dir = dirname(resolve(modelPath));
  return (location, offset, length) => {
    if (isAbsolute(location) || location.split(/[\\/]/).includes('..')) throw new Error(`its external data file "${location}" is outside the model's folder`);
    const file = join(dir, location);
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error(`its external data "${location}" is not a file`);
      size = st.size;
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') throw new Error(`its external data file "${location}" is missing (it belongs beside the .onnx file)`);
      throw e;
    }
    const n = length ?? size - offset;
    if (offset + n > size) throw new Error(`its external data needs bytes ${offset}–${offset + n} of "${location}", which has ${size}`);
    const out = Buffer.allocUnsafe(n);
    const fd = openSync(file, 'r');
    try {
      let done = 0;
      while (done < n) {
        const got = readSync(fd, out, done, n - done, offset + done);
        if (got === 0) throw new Error(`"${location}" ended after ${offset + done} bytes`);
        done += got;
      }
    } finally {
      closeSync(fd);
    }
    return out;
  };
}
