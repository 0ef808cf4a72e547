// The "Project the shortcut with a 1×1 convolution" repair of an `add` whose inputs differ in shape, as one
// minimal text edit: a conv2d (filters = the other branch's channels, strides = the ratio of the spatial
// sizes) inserted right before the add, and the add's reference to the shortcut pointed at it. Inserting
// shifts the add and every later layer by one, so the unnamed ones with weights get their current default
// name written down in the same edit (layerNames.ts), as the designer's insertions do. Pure: text in, edit out.
import type { InvalidLayerInfo, LayerInfo } from '../../model/analysis';
import { parseModelText, type ParsedModel } from '../../model/parse';
import type { Shape } from '../../model/types';
import { minimalEdit, type TextEdit } from './edits';
import { compact, insertItem, JsonEditError, setValue } from './jsonText';
import { readLayers, shiftPins, takenNames, writeNames } from './layerNames';

export interface Projection {
  readonly edit: TextEdit;
  /** The new conv2d's name. */
  readonly name: string;
  /** The input that the conv projects ("input" or a layer name), its shape and the shape it gets. */
  readonly shortcut: string;
  readonly from: Shape;
  readonly to: Shape;
}

/**
 * The projection for the shape mismatch blamed on `inputs[element]` of the add at `addIndex`; undefined when
 * there is none (not an add, shapes not 3-D, spatial sizes not whole multiples, or the result would not fix it).
 */
export function projectShortcut(text: string, addIndex: number, element: number, parsed: ParsedModel = parseModelText(text)): Projection | undefined {
  const entries = parsed.analysis?.entries;
  const add = entries?.[addIndex];
  if (!entries || !add || isInvalid(add) || add.type !== 'add' || add.layer.inputs === undefined || element < 1) return undefined;
  const main = add.inputs[0];
  const blamed = add.inputs[element];
  if (!main?.shape || !blamed?.shape || main.shape.length !== 3 || blamed.shape.length !== 3) return undefined;
  // The shortcut is the input with the larger (or equal) spatial size: the blamed one, else the main branch.
  const plan = ratio(blamed.shape, main.shape, element) ?? ratio(main.shape, blamed.shape, 0);
  if (!plan) return undefined;
  const shortcut = add.inputs[plan.element]!;
  const target = plan.element === 0 ? blamed.shape : main.shape;

  let after: string;
  let name: string;
  try {
    const { items } = readLayers(text);
    const moved = (i: number): number => (i >= addIndex ? i + 1 : i);
    const pins = shiftPins(items, moved);
    const taken = takenNames(items, pins, moved);
    for (const e of entries) taken.add(e.name);
    name = uniqueName(projectionBase(items[addIndex]?.name, shortcut.name), taken);
    const conv = {
      type: 'conv2d',
      name,
      inputs: [shortcut.name],
      filters: target[2],
      kernelSize: 1,
      ...(plan.sh === 1 && plan.sw === 1 ? {} : { strides: plan.sh === plan.sw ? plan.sh : [plan.sh, plan.sw] }),
    };
    const referenced = setValue(writeNames(text, pins), ['layers', addIndex, 'inputs', plan.element], name);
    after = insertItem(referenced, readLayers(referenced).array, addIndex, compact(conv));
  } catch (e) {
    if (e instanceof JsonEditError) return undefined; // not strict JSON (yet): no fix offered
    throw e;
  }
  if (!repairs(parsed, parseModelText(after), addIndex)) return undefined;
  const edit = minimalEdit(text, after);
  return edit ? { edit, name, shortcut: shortcut.name, from: shortcut.shape!, to: target } : undefined;
}

/** Whole-number strides that take `big` to `small`'s height and width with a 1×1 kernel. */
function ratio(big: Shape, small: Shape, element: number): { sh: number; sw: number; element: number } | undefined {
  const sh = big[0]! / small[0]!;
  const sw = big[1]! / small[1]!;
  return Number.isInteger(sh) && Number.isInteger(sw) && sh >= 1 && sw >= 1 ? { sh, sw, element } : undefined;
}

/** "block2_add" → "block2_proj"; an add with only a default name projects after its shortcut: "stem_proj". */
function projectionBase(addName: string | undefined, shortcut: string): string {
  return addName !== undefined ? `${addName.replace(/_(add|out|sum|merge)$/, '')}_proj` : `${shortcut}_proj`;
}

function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let k = 2; ; k++) if (!taken.has(`${base}_${k}`)) return `${base}_${k}`;
}

/**
 * The edit did repair: the new conv has no problem, the add has fewer errors, and no name or reference broke.
 * (With three or more inputs, projecting the first one could make another one mismatch instead.)
 */
function repairs(before: ParsedModel, after: ParsedModel, addIndex: number): boolean {
  const conv = after.analysis?.entries[addIndex];
  const add = after.analysis?.entries[addIndex + 1];
  const oldAdd = before.analysis?.entries[addIndex];
  if (!conv || isInvalid(conv) || conv.errors.length > 0 || !add || isInvalid(add) || !oldAdd) return false;
  const errorsOf = (info: LayerInfo | InvalidLayerInfo) => info.errors.filter((e) => e.severity !== 'warning').length;
  const naming = (p: ParsedModel) => p.diagnostics.filter((d) => d.code === 'duplicate-name' || d.code === 'bad-reference').length;
  return errorsOf(add) < errorsOf(oldAdd) && naming(after) <= naming(before);
}

function isInvalid(e: LayerInfo | InvalidLayerInfo): e is InvalidLayerInfo {
  return 'invalid' in e;
}
