// Open-speed bench of the designer (issue 21.4), run only when E2E_BENCH is set: LeNet-5, ResNet-50 and
// DenseNet-121 (torchvision's, exported to ONNX with /usr/bin/python3 and imported; cached in .e2e/bench-models)
// opened E2E_BENCH_ROUNDS times each (default 3), all editors closed between; prints, per model, the times from
// Ctrl+P and from Enter to the diagram painted (medians), and the first open of the window apart: every
// webview but the first waits about 1 s for its service worker (VS Code 1.99–1.100, microsoft/vscode#245756).
// E2E_BENCH_FIRST names the model opened first (default LeNet-5).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openAndTime } from './_designerTiming';
import { focusWorkbench, runCommand, type ScenarioContext } from './helpers';

export const timeoutMs = 600_000;
export const onlyWith = 'E2E_BENCH';

const ROOT = join(__dirname, '../../..');
const CACHE = join(ROOT, '.e2e/bench-models');

/** torchvision's `name` as a .cnn.json in the workspace, imported once into the cache. */
function torchvisionModel(workspace: string, name: string): string {
  const cached = join(CACHE, `${name}.cnn.json`);
  if (!existsSync(cached)) {
    mkdirSync(CACHE, { recursive: true });
    const onnx = join(CACHE, `${name}.onnx`);
    const torch = spawnSync(
      '/usr/bin/python3',
      ['-c', `import torch, torchvision\nm = torchvision.models.${name}(weights=None).eval()\ntorch.onnx.export(m, torch.zeros(1, 3, 224, 224), ${JSON.stringify(onnx)}, opset_version=13)`],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(torch.status, 0, `the bench needs PyTorch: ${torch.stderr}`);
    const cli = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'import', onnx], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
  }
  copyFileSync(cached, join(workspace, `${name}.cnn.json`));
  return `${name}.cnn.json`;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export default async function designerOpen({ page, workspace, log }: ScenarioContext): Promise<void> {
  const models: [string, number][] = [
    ['lenet5.cnn.json', 9],
    [torchvisionModel(workspace, 'resnet50'), 42],
    [torchvisionModel(workspace, 'densenet121'), 27],
  ];
  const first = models.findIndex(([f]) => f.startsWith(process.env.E2E_BENCH_FIRST ?? 'lenet5'));
  const order = [...models.slice(Math.max(0, first)), ...models.slice(0, Math.max(0, first))];
  const rounds = Number(process.env.E2E_BENCH_ROUNDS ?? 3);
  const times = new Map<string, { total: number[]; enter: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const [file, nodes] of order) {
      await focusWorkbench(page);
      await runCommand(page, 'View: Close All Editors');
      await page.waitForTimeout(300);
      const opened = await openAndTime(page, file, nodes);
      const total = Number(/^Ctrl\+P → Enter (\d+) ms/.exec(opened.inWebview)?.[1]) + Number(/Enter → painted (-?\d+) ms/.exec(opened.inWebview)?.[1]);
      const enter = Number(/Enter → painted (-?\d+) ms/.exec(opened.inWebview)?.[1]);
      const key = round === 0 && file === order[0]![0] ? `${file} (first webview of the window)` : file;
      const t = times.get(key) ?? { total: [], enter: [] };
      t.total.push(total);
      t.enter.push(enter);
      times.set(key, t);
      log(`${file} #${round}: ${opened.inWebview}`);
    }
  }
  for (const [file, t] of times) log(`${file}: Ctrl+P → painted ${t.total.join(', ')} ms (median ${median(t.total)}); Enter → painted ${t.enter.join(', ')} ms (median ${median(t.enter)})`);
}
