// The memory the engine owns (DESIGN.md §6): one arena per network (or per standalone layer) holding every
// parameter, gradient, optimizer slot, activation and scratch buffer. Two kinds behind one interface: a
// WebAssembly.Memory (./wasm/backend, when the wasm kernels run, so they work on it in place) and a plain
// ArrayBuffer for the JavaScript kernels. Growing replaces the underlying buffer (memory.grow detaches views;
// the heap arena copies into a larger ArrayBuffer), so nobody keeps a Float32Array across an allocation: code
// holds a Buf (offset + length) and asks it for its view each pass; the view is cached until `generation` changes.
import type { WasmBackend } from './wasm/backend';

/** Allocation granule: 16 floats = 64 bytes (cache line, SIMD and float64 alignment). */
export const ALIGN_FLOATS = 16;

export function alignFloats(floats: number): number {
  return Math.ceil(floats / ALIGN_FLOATS) * ALIGN_FLOATS;
}

export interface Arena {
  /** Changes whenever the underlying buffer is replaced (views made before are stale). */
  readonly generation: number;
  /** Views over the whole memory (element i = bytes 4i…4i+3), current until the next alloc. */
  f32(): Float32Array;
  i32(): Int32Array;
  f64(): Float64Array;
  /** Reserves `floats` floats (rounded up to ALIGN_FLOATS); returns the offset in floats. Contents unspecified. */
  alloc(floats: number): number;
  /** The top of the arena (floats), to release back to. */
  mark(): number;
  /** Frees everything allocated since `mark`. */
  release(mark: number): void;
  /** Bytes allocated (what a plan costs) and bytes of the memory (≥ used). */
  readonly usedBytes: number;
  readonly memoryBytes: number;
  /** The WebAssembly instance over this memory, when it is one: its kernels then run in place. */
  readonly wasm?: WasmBackend;
}

/** A region of an arena. `view()` is cached per arena generation, so a pass allocates no view objects. */
export class Buf {
  private cached?: Float32Array;
  private cachedI32?: Int32Array;
  private cachedF64?: Float64Array;
  private gen = -1;
  private gen32 = -1;
  private gen64 = -1;
  private tensorCache?: { shape: readonly number[]; data: Float32Array };
  private tensorN = -1;
  private tensorGen = -1;

  constructor(
    readonly arena: Arena,
    /** Offset in floats (a multiple of ALIGN_FLOATS). */
    readonly offset: number,
    /** Capacity in floats. */
    readonly length: number,
  ) {}

  view(): Float32Array {
    const mem = this.arena.f32();
    if (this.gen !== this.arena.generation || !this.cached) {
      this.cached = mem.subarray(this.offset, this.offset + this.length);
      this.gen = this.arena.generation;
    }
    return this.cached;
  }

  i32(): Int32Array {
    const mem = this.arena.i32();
    if (this.gen32 !== this.arena.generation || !this.cachedI32) {
      this.cachedI32 = mem.subarray(this.offset, this.offset + this.length);
      this.gen32 = this.arena.generation;
    }
    return this.cachedI32;
  }

  /** The region as float64s (length / 2 of them). */
  f64(): Float64Array {
    const mem = this.arena.f64();
    if (this.gen64 !== this.arena.generation || !this.cachedF64) {
      this.cachedF64 = mem.subarray(this.offset >>> 1, (this.offset + this.length) >>> 1);
      this.gen64 = this.arena.generation;
    }
    return this.cachedF64;
  }

  /** A tensor [n, ...sample] over the region's prefix; the same object while n and the generation stay. */
  tensor(n: number, sample: readonly number[]): { readonly shape: readonly number[]; readonly data: Float32Array } {
    this.view();
    if (this.tensorCache && this.tensorN === n && this.tensorGen === this.arena.generation) return this.tensorCache;
    let size = n;
    for (const d of sample) size *= d;
    if (size > this.length) throw new RangeError(`buffer of ${this.length} floats cannot hold [${n}, ${sample.join(', ')}]`);
    this.tensorCache = { shape: [n, ...sample], data: this.view().subarray(0, size) };
    this.tensorN = n;
    this.tensorGen = this.arena.generation;
    return this.tensorCache;
  }
}

export function allocBuf(arena: Arena, floats: number): Buf {
  return new Buf(arena, arena.alloc(floats), floats);
}

/** The arena of the JavaScript kernels: an ArrayBuffer that grows by copying into a larger one. */
export class HeapArena implements Arena {
  generation = 0;
  private buffer: ArrayBuffer;
  private vf32: Float32Array;
  private vi32: Int32Array;
  private vf64: Float64Array;
  private top = 0;

  constructor(initialFloats = 0) {
    this.buffer = new ArrayBuffer(alignFloats(initialFloats) * 4);
    this.vf32 = new Float32Array(this.buffer);
    this.vi32 = new Int32Array(this.buffer);
    this.vf64 = new Float64Array(this.buffer);
  }

  f32(): Float32Array { return this.vf32; }
  i32(): Int32Array { return this.vi32; }
  f64(): Float64Array { return this.vf64; }

  alloc(floats: number): number {
    if (!Number.isInteger(floats) || floats < 0) throw new RangeError(`alloc: bad size ${floats}`);
    const at = this.top;
    const end = at + alignFloats(floats);
    if (end > this.vf32.length) {
      // Grow by half again at least, so a series of small allocations copies O(total) floats.
      const next = new ArrayBuffer(Math.max(end, alignFloats(Math.ceil(this.vf32.length * 1.5))) * 4);
      new Float32Array(next).set(this.vf32.subarray(0, this.top));
      this.buffer = next;
      this.vf32 = new Float32Array(next);
      this.vi32 = new Int32Array(next);
      this.vf64 = new Float64Array(next);
      this.generation++;
    }
    this.top = end;
    return at;
  }

  mark(): number { return this.top; }

  release(mark: number): void {
    if (mark < 0 || mark > this.top) throw new RangeError(`release: mark ${mark} outside the arena`);
    this.top = mark;
  }

  get usedBytes(): number { return this.top * 4; }
  get memoryBytes(): number { return this.buffer.byteLength; }
}

/** An Arena over a WasmBackend's memory (the backend's own bump allocator, in bytes, converted to floats). */
export class WasmArena implements Arena {
  generation = 0;
  private vf32: Float32Array;
  private vi32: Int32Array;
  private vf64: Float64Array;
  private readonly base: number;

  constructor(readonly wasm: WasmBackend) {
    this.vf32 = new Float32Array(wasm.memory.buffer);
    this.vi32 = new Int32Array(wasm.memory.buffer);
    this.vf64 = new Float64Array(wasm.memory.buffer);
    this.base = wasm.mark();
  }

  private check(): void {
    const buf = this.wasm.memory.buffer;
    if (this.vf32.buffer !== buf) {
      // Through the backend, which registers the new buffer object (so the kernels find it: backendOfBuffer).
      this.vf32 = this.wasm.f32();
      this.vi32 = new Int32Array(buf);
      this.vf64 = new Float64Array(buf);
      this.generation++;
    }
  }

  f32(): Float32Array { this.check(); return this.vf32; }
  i32(): Int32Array { this.check(); return this.vi32; }
  f64(): Float64Array { this.check(); return this.vf64; }

  alloc(floats: number): number {
    const at = this.wasm.alloc(alignFloats(floats)) >>> 2;
    this.check();
    return at;
  }

  mark(): number { return this.wasm.mark() >>> 2; }
  release(mark: number): void { this.wasm.release(mark * 4); }
  /** Planned bytes, without the module's data and the GEMM packing scratch below the arena's start. */
  get usedBytes(): number { return this.wasm.mark() - this.base; }
  get memoryBytes(): number { return this.wasm.memoryBytes; }
}
