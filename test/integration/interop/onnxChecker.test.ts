// onnx.checker (Debian's python3-onnx) accepts every exported file, with full_check (ONNX's shape inference too).
// Outside CI the test is skipped, saying why, when /usr/bin/python3 has no onnx; in CI that is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportOnnx } from '../../../src/interop/onnx/export';
import { analyze } from '../../../src/model/shapes';
import type { Model } from '../../../src/model/types';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { debianPython, exampleModels, groupedModels, layerTypeModels, networkOf, randomChainModel, randomGraphModel, randomizeWeights, rngFor, weightsOf } from '../../unit/interop/helpers';

const CHECK = `
import json, sys, onnx
result = {}
for path in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        result[path] = None
    except Exception as e:
        result[path] = str(e)
print(json.dumps(result))
`;

describe('onnx.checker on exported models', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-onnx-check-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts every example, every layer type and random chain and graph models', function () {
    const python = debianPython(['onnx']);
    if (!python.ok) skipUnavailable(this, python.why);
    const models: Model[] = [
      ...exampleModels().map((e) => e.model),
      ...layerTypeModels().map((c) => c.model),
      ...Array.from({ length: 6 }, (_, k) => randomChainModel(rngFor(300 + k), k)),
      ...Array.from({ length: 6 }, (_, k) => randomGraphModel(rngFor(500 + k), k)),
      ...groupedModels(),
    ];
    const files = models.map((model, k) => {
      const net = networkOf(model);
      randomizeWeights(net, rngFor(k));
      const file = join(dir, `${k}-${model.name}.onnx`);
      writeFileSync(file, exportOnnx({ model, analysis: analyze(model.input.shape, model.layers), weights: weightsOf(net), classes: ['a', 'b'] }));
      return file;
    });
    const r = spawnSync('/usr/bin/python3', ['-c', CHECK, ...files], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as Record<string, string | null>;
    const failures = Object.entries(result).filter(([, e]) => e !== null);
    assert.deepEqual(failures, []);
    assert.equal(Object.keys(result).length, files.length);
    assert.ok(files.length >= 17, `${files.length} files checked`);
  });

  it('refuses a broken file (the check can fail)', function () {
    const python = debianPython(['onnx']);
    if (!python.ok) skipUnavailable(this, python.why);
    const model = exampleModels()[0]!.model;
    const bytes = exportOnnx({ model, analysis: analyze(model.input.shape, model.layers), weights: weightsOf(networkOf(model)) });
    // The same graph with an operator ONNX does not have.
    const file = join(dir, 'broken.onnx');
    writeFileSync(file, bytes);
    const breakIt = `import onnx, sys; m = onnx.load(sys.argv[1]); m.graph.node[1].op_type = "NoSuchOp"; onnx.save(m, sys.argv[1])`;
    assert.equal(spawnSync('/usr/bin/python3', ['-c', breakIt, file], { timeout: CHILD_TIMEOUT_MS }).status, 0);
    const r = spawnSync('/usr/bin/python3', ['-c', CHECK, file], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
    const result = JSON.parse(r.stdout) as Record<string, string | null>;
    assert.match(result[file] ?? '', /NoSuchOp/);
  });
});
