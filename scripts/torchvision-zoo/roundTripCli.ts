// `tsx roundTripCli.ts REFERENCE_DIR MODEL.cnn.json WORK_DIR`: roundTrips.ts on one imported network, in a process
// of its own (npm run zoo -- --round-trips starts one per network, so a big one's memory is returned after it), on the
// WebAssembly kernels; prints a RoundTripSummary as one JSON line.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { useKernels } from '../../src/node/runtime/loadKernels';
import type { ExportedNet, RoundTripSummary } from './check';
import { readImported, roundTrips } from './roundTrips';

async function main(): Promise<void> {
  const [dir, modelPath, workDir] = process.argv.slice(2);
  if (!dir || !modelPath || !workDir) throw new Error('usage: roundTripCli.ts REFERENCE_DIR MODEL.cnn.json WORK_DIR');
  useKernels();
  const exported = { ...(JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as ExportedNet), dir };
  const started = performance.now();
  let summary: RoundTripSummary;
  try {
    const r = await roundTrips({ ...readImported(modelPath), exported, workDir });
    summary = { problems: r.problems, seconds: r.seconds, onnx: r.onnxVsOriginal.diff, pytorch: r.pytorchVsOriginal.diff, gradient: r.gradients.relative, gradientBound: r.gradients.bound };
  } catch (e) {
    summary = { problems: [e instanceof Error ? e.message : String(e)], seconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(summary));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`roundTripCli: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
