// Writing an imported `.onnx` model beside it as `<stem>.cnn.json` + `<stem>.safetensors`, as `cnn import` does:
// the weights first, then the model, and no weights left without their model when the second write fails. Node
// only (no VS Code), so it is unit-tested; the caller asks before replacing what `existingTargets` lists.
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { weightsPath, writeFileAtomic } from '../../node/checkpoint/weightsFile';
import type { OnnxConversion } from './onnxView';
import { onnxStem } from './onnxView';

export interface ConversionTargets {
  readonly model: string;
  readonly weights: string;
}

/** "/a/lenet5.onnx" → "/a/lenet5.cnn.json" and "/a/lenet5.safetensors". */
export function conversionTargets(onnxPath: string): ConversionTargets {
  const model = join(dirname(onnxPath), `${onnxStem(basename(onnxPath))}.cnn.json`);
  return { model, weights: weightsPath(model) };
}

/** The targets that exist already (to replace only after asking). */
export function existingTargets(targets: ConversionTargets): string[] {
  return [targets.model, targets.weights].filter((p) => existsSync(p));
}

export async function writeConversion(conversion: OnnxConversion, targets: ConversionTargets): Promise<void> {
  await writeFileAtomic(targets.weights, conversion.weights);
  try {
    await writeFileAtomic(targets.model, conversion.text);
  } catch (e) {
    await unlink(targets.weights).catch(() => undefined);
    throw e;
  }
}
