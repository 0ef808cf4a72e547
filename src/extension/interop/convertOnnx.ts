// Writing an imported `.onnx` model beside it as `<stem>.cnn.json` + `<stem>.safetensors`, as `cnn import` does:
// the weights first, then the model, and no weights left without their model when the second write fails. Node
// only (no VS Code), so it is unit-tested; the caller asks before replacing what `existingTargets` lists.
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { weightsPath, writeFileAtomic } from '../../node/checkpoint/weightsFile';
import { decodeSafetensors, encodeSafetensors, weightsMetadata } from '../../engine/weights';
import { formatModelText } from '../../interop/modelText';
import { parseModelText } from '../../model/parse';
import { withInputConvention, type InputConvention } from '../../model/transfer';
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

/** Whether to ask for the input convention: an RGB model that does not carry one (pretrained networks expect
 *  ImageNet's mean/std or −1–1, our data pipeline delivers 0–1). */
export function asksInputConvention(conversion: OnnxConversion): boolean {
  const model = parseModelText(conversion.text).model;
  const first = model?.layers[0]?.type;
  return model?.input.shape[2] === 3 && first !== 'rescaling' && first !== 'normalization';
}

/** The conversion with the convention as a preprocessing layer in front (`cnn import --preprocess`): the weights keep
 *  their names, their metadata the new fingerprint (and the classes). */
export function withConvention(conversion: OnnxConversion, convention: InputConvention): OnnxConversion {
  const model = parseModelText(conversion.text).model;
  if (!model) throw new Error('the converted model does not parse');
  const converted = withInputConvention(model, convention);
  if (converted === model) return conversion;
  const weights = decodeSafetensors(conversion.weights);
  const metadata = { ...weights.metadata, ...weightsMetadata(converted) };
  return { text: formatModelText(converted), weights: encodeSafetensors(weights.tensors, metadata) };
}
