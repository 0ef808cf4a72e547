// `training.augmentation` with every default filled in and every value checked against the spec's limits, for the
// engine's augmenter and the PyTorch export alike. The file validator reports the same limits at the field in the
// editor; this check is for configs that reach the engine another way (the API, tests) and says which field is wrong.
import { AUGMENTATION_SPEC } from './augmentationSpec';
import type { FieldSpec, ObjectSpec } from './spec';
import type { AugmentationConfig } from './types';

type Range = readonly [number, number];

export interface ResolvedAugmentation {
  readonly randomResizedCrop: { readonly scale: Range; readonly ratio: Range } | null;
  /** Degrees, both ways. */
  readonly rotation: number;
  readonly zoom: Range;
  /** Fraction of the height and width (`shift` is read as this). */
  readonly translation: number;
  readonly horizontalFlip: boolean;
  readonly verticalFlip: boolean;
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  readonly hue: number;
  readonly cutout: { readonly holes: number; readonly size: number } | null;
}

const UNITS: Readonly<Record<string, string>> = { rotation: ' degrees' };

function fieldOf(spec: ObjectSpec, name: string, where: string): FieldSpec {
  const f = spec.fields[name];
  if (!f) throw new Error(`${where}.${name} is not in the spec`);
  return f;
}

function interval(f: { min: number; max: number; exclusiveMin?: boolean; exclusiveMax?: boolean }): string {
  return `${f.exclusiveMin ? '(' : '['}${f.min}, ${f.max}${f.exclusiveMax ? ')' : ']'}`;
}

function inside(v: number, f: { min: number; max: number; exclusiveMin?: boolean; exclusiveMax?: boolean }): boolean {
  return Number.isFinite(v) && (f.exclusiveMin ? v > f.min : v >= f.min) && (f.exclusiveMax ? v < f.max : v <= f.max);
}

function show(v: unknown): string {
  return typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v);
}

function number(spec: ObjectSpec, config: Readonly<Record<string, unknown>>, name: string, where: string): number {
  const f = fieldOf(spec, name, where);
  if ((f.kind !== 'number' && f.kind !== 'int') || f.default === undefined) throw new Error(`${where}.${name} is not a number with a default in the spec`);
  const v = config[name] ?? f.default;
  const whole = f.kind === 'int' ? ' whole number' : '';
  if (typeof v !== 'number' || !inside(v, f) || (f.kind === 'int' && !Number.isInteger(v))) {
    throw new RangeError(`${where}.${name} must be a${whole || ' number'} in ${interval(f)}${UNITS[name] ?? ''}, got ${show(v)}`);
  }
  return v;
}

function range(spec: ObjectSpec, config: Readonly<Record<string, unknown>>, name: string, where: string): Range {
  const f = fieldOf(spec, name, where);
  if (f.kind !== 'numberRange' || f.default === undefined) throw new Error(`${where}.${name} is not a range with a default in the spec`);
  const v = config[name] ?? f.default;
  const ok = Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && inside(x, f)) && (v[0] as number) <= (v[1] as number);
  if (!ok) throw new RangeError(`${where}.${name} must be [low, high] with low ≤ high, both in ${interval(f)}, got ${show(v)}`);
  return [v[0] as number, v[1] as number];
}

function bool(spec: ObjectSpec, config: Readonly<Record<string, unknown>>, name: string, where: string): boolean {
  const f = fieldOf(spec, name, where);
  if (f.kind !== 'bool' || f.default === undefined) throw new Error(`${where}.${name} is not a boolean with a default in the spec`);
  const v = config[name] ?? f.default;
  if (typeof v !== 'boolean') throw new RangeError(`${where}.${name} must be true or false, got ${show(v)}`);
  return v;
}

function nested(name: string): ObjectSpec {
  const f = fieldOf(AUGMENTATION_SPEC, name, 'augmentation');
  if (f.kind !== 'object') throw new Error(`augmentation.${name} is not an object in the spec`);
  return f.spec;
}

function object(config: Readonly<Record<string, unknown>>, name: string): Readonly<Record<string, unknown>> | null {
  const v = config[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new RangeError(`augmentation.${name} must be an object, got ${show(v)}`);
  return v as Readonly<Record<string, unknown>>;
}

/** Every field resolved; a RangeError names the first field out of its limits, e.g.
 *  "augmentation.rotation must be a number in [0, 180] degrees, got 400". */
export function resolveAugmentation(config: AugmentationConfig): ResolvedAugmentation {
  const c = config as Readonly<Record<string, unknown>>;
  const at = 'augmentation';
  const s = AUGMENTATION_SPEC;
  if (c.shift !== undefined && c.translation !== undefined) {
    throw new RangeError('augmentation.shift is the older name of augmentation.translation: give only one of them');
  }
  const crop = object(c, 'randomResizedCrop');
  const cutout = object(c, 'cutout');
  const cropSpec = nested('randomResizedCrop');
  const cutoutSpec = nested('cutout');
  return {
    randomResizedCrop: crop ? { scale: range(cropSpec, crop, 'scale', `${at}.randomResizedCrop`), ratio: range(cropSpec, crop, 'ratio', `${at}.randomResizedCrop`) } : null,
    rotation: number(s, c, 'rotation', at),
    zoom: range(s, c, 'zoom', at),
    translation: c.shift !== undefined ? number(s, c, 'shift', at) : number(s, c, 'translation', at),
    horizontalFlip: bool(s, c, 'horizontalFlip', at),
    verticalFlip: bool(s, c, 'verticalFlip', at),
    brightness: number(s, c, 'brightness', at),
    contrast: number(s, c, 'contrast', at),
    saturation: number(s, c, 'saturation', at),
    hue: number(s, c, 'hue', at),
    cutout: cutout ? { holes: number(cutoutSpec, cutout, 'holes', `${at}.cutout`), size: number(cutoutSpec, cutout, 'size', `${at}.cutout`) } : null,
  };
}

/** True when any colour jitter is on (its random order is then drawn). */
export function hasColorJitter(a: ResolvedAugmentation): boolean {
  return a.brightness > 0 || a.contrast > 0 || a.saturation > 0 || a.hue > 0;
}
