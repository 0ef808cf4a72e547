// Fixtures for the worker tests: the worker bundle built once into a temp folder (not dist/, which other
// builds rewrite), a tiny model on the bundled MNIST subset, and a message recorder.
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TrainingSupervisor } from '../../../src/extension/training/supervisor';
import type { WorkerToHost } from '../../../src/protocol/worker';

export const ROOT = resolve(__dirname, '../../..');
const MNIST = join(ROOT, 'media', 'mnist');

export interface Fixture {
  readonly dir: string;
  readonly workerPath: string;
  cleanup(): void;
}

export async function buildFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-worker-test-'));
  const workerPath = join(dir, 'worker.js');
  const options: esbuild.BuildOptions = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', mainFields: ['module', 'main'], external: ['tsx/cjs', 'sharp'], logLevel: 'silent' };
  await esbuild.build({ ...options, entryPoints: [join(ROOT, 'src/worker/main.ts')], outfile: workerPath, loader: { '.wasm': 'binary' } });
  // The GEMM helper threads' entry, beside the worker as in dist/.
  await esbuild.build({ ...options, entryPoints: [join(ROOT, 'src/node/runtime/kernelThread.ts')], outfile: join(dir, 'kernel-thread.js') });
  return { dir, workerPath, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The worker bundle and a supervisor over it for the enclosing describe block, built before its tests and
 *  disposed after them; read `fx` and `supervisor` inside the tests. */
export function useSupervisor(): { readonly fx: Fixture; readonly supervisor: TrainingSupervisor } {
  const ctx: { fx?: Fixture; supervisor?: TrainingSupervisor } = {};
  before(async () => {
    ctx.fx = await buildFixture();
    ctx.supervisor = new TrainingSupervisor(ctx.fx.workerPath, { stopGraceMs: 5000 });
  });
  after(async () => {
    await ctx.supervisor?.dispose();
    ctx.fx?.cleanup();
  });
  return {
    get fx() {
      return ctx.fx!;
    },
    get supervisor() {
      return ctx.supervisor!;
    },
  };
}

/** A small convnet on the bundled MNIST subset (absolute paths), written as `<name>.cnn.json` in `dir`. */
export function tinyModel(dir: string, name: string, overrides: { epochs?: number; batchSize?: number; filters?: number; augmentation?: Record<string, unknown>; frozenConv?: boolean } = {}): { path: string; text: string } {
  const text = JSON.stringify(
    {
      format: 'cnn-studio/model@1',
      name,
      input: { shape: [28, 28, 1] },
      layers: [
        { type: 'conv2d', filters: overrides.filters ?? 4, kernelSize: 3, activation: 'relu', ...(overrides.frozenConv ? { trainable: false } : {}) },
        { type: 'maxPool2d', poolSize: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
      training: {
        data: {
          train: { images: join(MNIST, 'train-images-idx3-ubyte.gz'), labels: join(MNIST, 'train-labels-idx1-ubyte.gz') },
          test: { images: join(MNIST, 't10k-images-idx3-ubyte.gz'), labels: join(MNIST, 't10k-labels-idx1-ubyte.gz') },
        },
        optimizer: { type: 'adam', learningRate: 0.01 },
        batchSize: overrides.batchSize ?? 16,
        epochs: overrides.epochs ?? 2,
        validationSplit: 0.25,
        seed: 1,
        ...(overrides.augmentation ? { augmentation: overrides.augmentation } : {}),
      },
    },
    null,
    2,
  );
  const path = join(dir, `${name}.cnn.json`);
  writeFileSync(path, text);
  return { path, text };
}

/** A worker script that misbehaves after the handshake (crash tests). */
export function misbehavingWorker(dir: string, name: string, body: string): string {
  const path = join(dir, `${name}.js`);
  writeFileSync(
    path,
    `const { parentPort } = require('node:worker_threads');\n` +
      `parentPort.postMessage({ kind: 'notify', msg: { type: 'ready', protocolVersion: 1 } });\n` +
      `parentPort.on('message', () => { ${body} });\n`,
  );
  return path;
}

export class Recorder {
  readonly messages: WorkerToHost[] = [];
  private waiters: Array<{ type: WorkerToHost['type']; resolve: (m: WorkerToHost) => void }> = [];

  readonly listener = (m: WorkerToHost): void => {
    this.messages.push(m);
    this.waiters = this.waiters.filter((w) => (w.type === m.type ? (w.resolve(m), false) : true));
  };

  of<T extends WorkerToHost['type']>(type: T): Extract<WorkerToHost, { type: T }>[] {
    return this.messages.filter((m): m is Extract<WorkerToHost, { type: T }> => m.type === type);
  }

  next<T extends WorkerToHost['type']>(type: T): Promise<Extract<WorkerToHost, { type: T }>> {
    const seen = this.of(type)[0];
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ type, resolve: (m) => resolve(m as Extract<WorkerToHost, { type: T }>) }));
  }
}
