// Runs the in-host tests (test/host/*.test.ts) with mocha inside VS Code's extension host.
// test/e2e/run.ts bundles a generated entry that calls runMocha() into out/test/host/index.js,
// whose run() VS Code calls (extensionTestsPath). mocha and vscode stay external: they
// resolve at run time from the repo's node_modules and from the extension host.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type MochaType from 'mocha';

export interface HostTestFile {
  file: string;
  /** Evaluates the test file (its describe/it calls) once mocha's globals are in place. */
  load: () => unknown;
}

export interface HostTestResult {
  title: string;
  file?: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

export interface HostResults {
  passed: number;
  failed: number;
  pending: number;
  tests: HostTestResult[];
  /** Errors outside any test (loading a file, a failing hook). */
  errors: string[];
  /** Figures tests measured (e.g. event-loop delay), printed by the e2e runner for the record. */
  measurements?: string[];
}

const measurements: string[] = [];

/** Records a measured figure for the e2e log; not an assertion. */
export function recordMeasurement(line: string): void {
  measurements.push(line);
}

function loadMocha(): typeof MochaType {
  // mocha 12 exports an object with Mocha (and default); older ones the class itself.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require('mocha') as typeof MochaType & { Mocha?: typeof MochaType; default?: typeof MochaType };
  return m.Mocha ?? m.default ?? m;
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

export function runMocha(
  files: HostTestFile[],
  opts: { resultsFile: string; grep?: string; timeoutMs?: number },
): Promise<void> {
  const Mocha = loadMocha();
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: opts.timeoutMs ?? 20_000, reporter: 'spec' });
  if (opts.grep) mocha.grep(opts.grep);
  const results: HostResults = { passed: 0, failed: 0, pending: 0, tests: [], errors: [] };
  const write = () => {
    results.measurements = measurements;
    mkdirSync(dirname(opts.resultsFile), { recursive: true });
    writeFileSync(opts.resultsFile, JSON.stringify(results, null, 2));
  };

  for (const f of files) {
    mocha.suite.emit('pre-require', globalThis, f.file, mocha);
    try {
      f.load();
    } catch (err) {
      results.errors.push(`loading ${f.file}: ${describeError(err)}`);
    }
    mocha.suite.emit('post-require', globalThis, f.file, mocha);
  }
  if (results.errors.length) {
    write();
    return Promise.reject(new Error(results.errors.join('\n')));
  }

  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        write();
        if (failures > 0 || results.errors.length > 0) reject(new Error(`${failures} in-host test(s) failed`));
        else resolve();
      });
      runner.on('pass', (t) => {
        results.passed++;
        results.tests.push({ title: t.fullTitle(), file: t.file, state: 'passed', durationMs: t.duration });
      });
      runner.on('pending', (t) => {
        results.pending++;
        results.tests.push({ title: t.fullTitle(), file: t.file, state: 'pending' });
      });
      runner.on('fail', (t, err) => {
        if (t.type === 'test') {
          results.failed++;
          results.tests.push({ title: t.fullTitle(), file: t.file, state: 'failed', error: describeError(err) });
        } else {
          results.errors.push(`${t.fullTitle()}: ${describeError(err)}`);
        }
      });
    } catch (err) {
      results.errors.push(describeError(err));
      write();
      reject(err);
    }
  });
}
