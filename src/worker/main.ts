// worker_threads entry (bundled to dist/worker.js): an Endpoint on parentPort. Runs one training run at a
// time, answers feature-map and prediction requests, obeys stop between batches, and turns every failure
// into an `error` message: nothing thrown here may reach the extension host.
import { parentPort } from 'node:worker_threads';
import { defaultThreads } from '../node/runtime/kernelThreads';
import { kernelsRequestFromEnv, kernelsWithThreads, loadKernelsWithThreads, setWasmBinaryProvider, useKernels, withKernels } from '../node/runtime/loadKernels';
import { TrainingSetupError } from '../node/runtime/trainingSession';
import { BUNDLED_WASM } from '../node/runtime/wasmBundle';
import { Endpoint, assertNever } from '../protocol/endpoint';
import {
  featureMapsTransfer,
  guardHostToWorker,
  WORKER_PROTOCOL_VERSION,
  type HostToWorker,
  type SampleRef,
  type WorkerToHost,
} from '../protocol/worker';
import { loadTrainedNetwork } from '../node/checkpoint/trainedNetwork';
import { Explainer } from './explain';
import { featureMaps, parseSnapshot, predictFile, sampleInput } from './inspect';
import { TrainingRun } from './run';

const port = parentPort;
if (!port) throw new Error('dist/worker.js runs as a worker thread of the extension host');

let run: TrainingRun | undefined;

// The best kernels, loaded once, for feature maps and predictions outside a run; each run takes them with its
// thread count (RunOptions.threads, default all cores) and its `started` says which.
setWasmBinaryProvider(() => BUNDLED_WASM);
useKernels();

const endpoint: Endpoint<WorkerToHost, HostToWorker> = new Endpoint({
  transport: { post: (env, transfer) => port.postMessage(env, (transfer ?? []) as ArrayBuffer[]) },
  guard: guardHostToWorker,
  handle: (msg) => handle(msg),
  onDrop: (reason) => endpoint.notify({ type: 'warning', message: `worker dropped a message: ${reason}` }),
});
port.on('message', (raw: unknown) => endpoint.receive(raw));

function errorText(e: unknown): string {
  if (e instanceof TrainingSetupError) return e.message;
  if (e instanceof RangeError && /allocation|memory/i.test(e.message)) return `out of memory: ${e.message} (try a smaller batch size or model)`;
  return e instanceof Error ? e.message : String(e);
}

function fail(e: unknown): void {
  endpoint.notify({ type: 'error', message: errorText(e) });
}

const explainer = new Explainer(() => run?.live);

function handle(msg: HostToWorker): Promise<unknown> | undefined {
  switch (msg.type) {
    case 'start':
      startRun(msg);
      return undefined;
    case 'stop':
      run?.stop();
      return undefined;
    case 'inspect':
      void inspect(msg.modelPath, msg.modelText, msg.sample).catch((e: unknown) => endpoint.notify({ type: 'mapsError', message: errorText(e) }));
      return undefined;
    case 'predict':
      // A request: a failure becomes an error reply that rejects the host's promise.
      return predictFile(msg.modelPath, parseSnapshot(msg.modelText, msg.modelPath), msg.file, msg.top);
    // Requests too: a failure (no weights, a cell outside the layer) rejects the host's promise with the reason.
    case 'explainCell':
      return explainer.explainCell(msg);
    case 'saliency':
      return explainer.saliency(msg);
    case 'gradCam':
      return explainer.gradCam(msg);
    default:
      return assertNever(msg);
  }
}

function startRun(msg: Extract<HostToWorker, { type: 'start' }>): void {
  if (msg.protocolVersion !== WORKER_PROTOCOL_VERSION) return fail(new Error(`worker protocol ${WORKER_PROTOCOL_VERSION} cannot run a start of protocol ${msg.protocolVersion}: reload the window`));
  if (run) return fail(new Error('this worker is already training'));
  let kernels = '';
  const current = new TrainingRun(msg, {
    started: (m) => endpoint.notify({ type: 'started', ...m, kernels }),
    progress: (batch) => endpoint.notify({ type: 'progress', batch }),
    dataProgress: (progress) => endpoint.notify({ type: 'dataProgress', progress }),
    epoch: (metrics, epochs) => endpoint.notify({ type: 'epoch', metrics, epochs }),
    warning: (message) => endpoint.notify({ type: 'warning', message }),
    frozenFeatures: (message, fromCache) => endpoint.notify({ type: 'frozenFeatures', message, fromCache }),
    featureProgress: (progress) => endpoint.notify({ type: 'featureProgress', progress }),
    featureMaps: (maps) => endpoint.notify({ type: 'featureMaps', maps }, featureMapsTransfer(maps)),
    augmentedSamples: (samples) => endpoint.notify({ type: 'augmentedSamples', samples }, samples.data.buffer instanceof ArrayBuffer ? [samples.data.buffer] : []),
    mapsError: (message) => endpoint.notify({ type: 'mapsError', message }),
  });
  run = current;
  const warn = (message: string): void => endpoint.notify({ type: 'warning', message });
  loadKernelsWithThreads(kernelsRequestFromEnv(), msg.options.threads ?? defaultThreads(), warn).then((choice) => {
    kernels = kernelsWithThreads(choice);
    return withKernels(choice, () => current.run());
  }).then(
    (result) => {
      const thumbs = result.evaluation?.thumbnails?.data.buffer;
      endpoint.notify({ type: 'done', result }, thumbs instanceof ArrayBuffer ? [thumbs] : []);
    },
    (e: unknown) => fail(e),
  ).finally(() => {
    run = undefined;
  });
}

/** Feature maps of the running network (sent once its data is loaded), or else of the saved weights. */
async function inspect(modelPath: string, modelText: string, sample: SampleRef): Promise<void> {
  if (run) return void (await run.inspect(sample));
  const model = parseSnapshot(modelText, modelPath);
  const { network, classes } = await loadTrainedNetwork(modelPath, model);
  const { x, caption, classes: dataClasses } = await sampleInput(sample, model, modelPath, {});
  const maps = featureMaps(network, model, x, sample, caption, 0, classes ?? dataClasses ?? []);
  endpoint.notify({ type: 'featureMaps', maps }, featureMapsTransfer(maps));
}

// Last line of defence: report, then let the host see the exit.
process.on('uncaughtException', (e) => fail(e));
process.on('unhandledRejection', (e) => fail(e));
endpoint.notify({ type: 'ready', protocolVersion: WORKER_PROTOCOL_VERSION });
