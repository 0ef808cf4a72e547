// The part of the WebAssembly JS API the engine uses. Neither lib ES2022 nor @types/node 20 declares it (it lives
// in lib.dom); remove this file if the engine ever compiles with a lib that does.
declare namespace WebAssembly {
  type Bytes = ArrayBuffer | ArrayBufferView;
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    /** Replaced (the old one detached, or left short when shared) by every grow. */
    readonly buffer: ArrayBufferLike;
    /** Grows by `delta` 64 KiB pages; returns the previous size in pages. */
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: Bytes);
  }
  type ImportValue = Memory | ((...args: never[]) => unknown) | number;
  type Imports = Record<string, Record<string, ImportValue>>;
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Record<string, unknown>;
  }
  function validate(bytes: Bytes): boolean;
}
