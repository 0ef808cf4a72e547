// Golden files of generated code: a change to the generators shows up as a diff to review.
// UPDATE_GOLDEN=1 rewrites them (then read the diff before committing).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../unit/interop/helpers';

export const GOLDEN_DIR = join(ROOT, 'test/integration/interop/golden');

export function assertGolden(file: string, actual: string): void {
  const path = join(GOLDEN_DIR, file);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.ok(existsSync(path), `${path} is missing: run with UPDATE_GOLDEN=1 to write it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${file} differs from the golden file (UPDATE_GOLDEN=1 rewrites it)`);
}
