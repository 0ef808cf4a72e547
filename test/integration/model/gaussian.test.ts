// Our erf (model/gaussian.ts: JavaScript has none) against Python's math.erfc (the C library's), in float64, over
// both expansions, their seam at |x/√2| = 2, the far tails and the points where float32 GELU inputs land.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { normalCdf, normalPdf, geluDerivative } from '../../../src/model/gaussian';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { debianPython } from '../../unit/interop/helpers';

describe('the standard normal CDF behind gelu', function () {
  this.timeout(60_000);
  const xs: number[] = [0, -0, 1e-300, -1e-12, 2 * Math.SQRT2, -2 * Math.SQRT2, 2 * Math.SQRT2 + 1e-12, -2 * Math.SQRT2 - 1e-12, 37.5, -37.5];
  for (let x = -38; x <= 38; x += 0.0061) xs.push(x);
  let reference: number[] = [];

  before(function () {
    const python = debianPython(['math']);
    if (!python.ok) skipUnavailable(this, python.why);
    const r = spawnSync('/usr/bin/python3', ['-c', 'import json, math, sys\nprint(json.dumps([0.5 * math.erfc(-x / math.sqrt(2)) for x in json.load(sys.stdin)]))'], { input: JSON.stringify(xs), encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
    assert.equal(r.status, 0, r.stderr);
    reference = JSON.parse(r.stdout) as number[];
  });

  it("Φ(x) is within 1e-12 relative of Python's 0.5·erfc(−x/√2) (results below 1e-290 within 1e-300 absolute)", () => {
    let worst = 0;
    let at = 0;
    xs.forEach((x, i) => {
      const want = reference[i]!;
      const got = normalCdf(x);
      const err = want < 1e-290 ? (Math.abs(got - want) <= 1e-300 ? 0 : Infinity) : Math.abs(got - want) / want;
      if (err > worst) [worst, at] = [err, x];
    });
    assert.ok(worst <= 1e-12, `relative error ${worst} at x = ${at}`);
  });

  it("gelu's derivative Φ(x) + x·φ(x) is the central difference of x·Φ(x) from Python's values", () => {
    const h = 1e-5;
    const py = spawnSync('/usr/bin/python3', ['-c', `import json, math\nh = ${h}\nf = lambda x: x * 0.5 * math.erfc(-x / math.sqrt(2))\nprint(json.dumps([(f(x + h) - f(x - h)) / (2 * h) for x in [-6, -2.83, -1, -0.1, 0, 0.3, 1.5, 2.9, 7]]))`], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
    assert.equal(py.status, 0, py.stderr);
    const want = JSON.parse(py.stdout) as number[];
    [-6, -2.83, -1, -0.1, 0, 0.3, 1.5, 2.9, 7].forEach((x, i) => assert.ok(Math.abs(geluDerivative(x) - want[i]!) < 1e-8, `x = ${x}: ${geluDerivative(x)} vs ${want[i]}`));
    assert.equal(normalPdf(0), 1 / Math.sqrt(2 * Math.PI));
  });
});
