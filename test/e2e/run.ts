// End-to-end tests in a real VS Code: code-server 4.100.3 + Debian's chromium via playwright-core.
//
//   npm run test:e2e                 setup (idempotent) + this runner
//   npx tsx test/e2e/run.ts [options]
//     --grep TEXT      only UI scenarios / in-host tests whose name contains TEXT
//     --ui-only        skip the in-host mocha tests
//     --host-only      skip the UI scenarios
//     --no-package     reuse dist/cnn-studio.vsix and dist/ instead of `npm run package`
//     --keep           keep the temporary profile and workspaces (paths are printed)
//   env E2E_TIMEOUT_S (whole run, default 600), E2E_HOST_TIMEOUT_S (in-host run, default 300),
//       E2E_ARTIFACTS (default .e2e/results)
//
// (a) UI scenarios: the default export of each test/e2e/ui/*.ts (not helpers.ts, not _*.ts), run
//     with a 60 s limit (a file may export `timeoutMs` to change it; `onlyWith = 'VAR'`: run only with VAR set),
//     in a fresh browser page on its own fresh copy of examples/, against the extension installed
//     from the .vsix. --grep matches UI scenario file names and in-host test titles.
// (b) In-host tests: test/host/*.test.ts, bundled into out/test/host/index.js and run by the
//     extension host through the workbench's `payload` URL parameter (extensionDevelopmentPath =
//     this repo), with results in out/test/host/results.json.
// Exit code 1 when anything fails. Screenshots, code-server's log and the browser console go to
// the artifacts folder, printed at the end.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  ROOT,
  assertInstalled,
  createProfile,
  installVsix,
  log,
  packageExtension,
  startCodeServer,
  type CodeServer,
  type Profile,
} from './lib/codeServer';
import type { HostResults } from '../host/runner';
import type { Scenario, ScenarioContext } from './ui/helpers';
import { waitForWorkbench, writeWorkspaceSettings } from './ui/helpers';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const GREP = option('--grep');
const UI = !flag('--host-only');
const HOST = !flag('--ui-only');
const KEEP = flag('--keep');
const PACKAGE = !flag('--no-package');
const TIMEOUT_S = Number(process.env.E2E_TIMEOUT_S ?? 600);
const ARTIFACTS = path.resolve(process.env.E2E_ARTIFACTS ?? path.join(ROOT, '.e2e/results'));
const SCREENSHOTS = path.join(ARTIFACTS, 'screenshots');
const UI_DIR = path.join(ROOT, 'test/e2e/ui');
const HOST_DIR = path.join(ROOT, 'test/host');
const HOST_OUT = path.join(ROOT, 'out/test/host');
const HOST_RESULTS = path.join(HOST_OUT, 'results.json');
const SCENARIO_TIMEOUT_MS = 60_000;
const HOST_TIMEOUT_MS = Number(process.env.E2E_HOST_TIMEOUT_S ?? 300) * 1000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Outcome {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}
const outcomes: Outcome[] = [];

// Everything that must be undone, in reverse order, however the run ends.
const cleanups: Array<() => Promise<void> | void> = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`cleanup: ${String(err)}`);
      }
    }
  })();
  return cleaning;
}

let aborting = false;
async function abort(message: string): Promise<void> {
  if (aborting) return; // the first reason is the one that counts; the rest is fallout
  aborting = true;
  process.stderr.write(`\n[e2e] FAILED: ${message}\n`);
  await Promise.race([cleanup(), new Promise((r) => setTimeout(r, 10_000))]);
  process.stderr.write(`[e2e] artifacts: ${ARTIFACTS}\n`);
  process.exit(1);
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => void abort(`interrupted by ${sig}`));
}
process.on('unhandledRejection', (err) => void abort(`unhandled rejection: ${String(err)}`));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}

const TRAINING_OUTPUT = /\.safetensors$|\.train\.json$/;
const WORKSPACES = path.join(os.tmpdir(), `cnn-studio-e2e-ws-${process.pid}`);

/**
 * A fresh temporary copy of examples/ for one scenario (or the in-host run), so what one
 * scenario changes (files, .vscode/settings.json, open editors) never leaks into another;
 * the repo's examples/ are never modified.
 */
function makeWorkspace(name: string): string {
  const ws = path.join(WORKSPACES, name, 'examples');
  rmSync(path.dirname(ws), { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  const examples = path.join(ROOT, 'examples');
  // Everything, generated data included (examples/mnist), but no outputs of earlier training
  // runs in this work tree: a local run then sees what CI sees.
  if (existsSync(examples)) cpSync(examples, ws, { recursive: true, filter: (src) => !TRAINING_OUTPUT.test(src) });
  if (!readdirSync(ws).some((f) => f.endsWith('.cnn.json'))) {
    throw new Error(`no *.cnn.json in ${examples}: the e2e tests open the examples`);
  }
  return ws;
}

/** Bundles test/host/*.test.ts with a generated entry into out/test/host/index.js. */
async function bundleHostTests(): Promise<boolean> {
  const files = existsSync(HOST_DIR)
    ? readdirSync(HOST_DIR)
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
    : [];
  if (files.length === 0) return false;
  const entry = [
    `import { runMocha } from './runner';`,
    `export function run(): Promise<void> {`,
    `  return runMocha([`,
    ...files.map((f) => `    { file: ${JSON.stringify(f)}, load: () => require(${JSON.stringify(`./${f}`)}) },`),
    `  ], ${JSON.stringify({ resultsFile: HOST_RESULTS, grep: GREP })});`,
    `}`,
  ].join('\n');
  rmSync(HOST_OUT, { recursive: true, force: true });
  await esbuild.build({
    stdin: { contents: entry, resolveDir: HOST_DIR, sourcefile: 'index.ts', loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: path.join(HOST_OUT, 'index.js'),
    external: ['vscode', 'mocha', 'sharp'], // sharp: native, from node_modules (as esbuild.mjs)
    // As esbuild.mjs: jsonc-parser's UMD build hides its requires from bundlers, its ESM build bundles.
    mainFields: ['module', 'main'],
    loader: { '.wasm': 'binary' },
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  log(`bundled ${files.length} in-host test file(s) into ${path.relative(ROOT, HOST_OUT)}/index.js`);
  return true;
}

async function newPage(browser: Browser, name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const consoleLog = path.join(ARTIFACTS, `console-${name}.log`);
  const lines: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') lines.push(`[${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => lines.push(`[pageerror] ${e.message}`));
  context.on('close', () => writeFileSync(consoleLog, lines.join('\n') + '\n'));
  return { context, page };
}

async function runUiScenarios(browser: Browser, server: CodeServer): Promise<void> {
  const files = readdirSync(UI_DIR)
    .filter((f) => f.endsWith('.ts') && f !== 'helpers.ts' && !f.startsWith('_') && !f.endsWith('.d.ts'))
    .sort();
  for (const file of files) {
    const name = path.basename(file, '.ts');
    if (GREP && !name.includes(GREP)) continue;
    type ScenarioModule = { default?: Scenario; timeoutMs?: number; workspaceSettings?: Record<string, unknown>; onlyWith?: string };
    const imported = (await import(pathToFileURL(path.join(UI_DIR, file)).href)) as ScenarioModule & { default?: ScenarioModule };
    // tsx hands a CommonJS-compiled module's exports back one level deeper, under `default`.
    const mod: ScenarioModule = typeof imported.default === 'function' ? imported : (imported.default ?? {});
    const fn = mod.default;
    // A bench, not a test: it runs only when asked for (its environment variable set).
    if (mod.onlyWith && !process.env[mod.onlyWith]) {
      log(`  - ui/${name} skipped (set ${mod.onlyWith} to run it)`);
      continue;
    }
    const timeoutMs = mod.timeoutMs ?? SCENARIO_TIMEOUT_MS;
    if (typeof fn !== 'function') {
      outcomes.push({ name: `ui/${name}`, ok: false, ms: 0, error: `${file} has no default-exported scenario function` });
      continue;
    }
    const t0 = Date.now();
    const workspace = makeWorkspace(`ui-${name}`);
    // Before the workbench opens: a settings file written later is picked up only after a watcher's delay.
    if (mod.workspaceSettings) writeWorkspaceSettings(workspace, mod.workspaceSettings);
    const { context, page } = await newPage(browser, `ui-${name}`);
    let shots = 0;
    let ready = 0;
    const ctx: ScenarioContext = {
      page,
      baseUrl: server.baseUrl,
      workspace,
      log: (msg) => log(`  ${name}: ${msg}`),
      async screenshot(shot: string) {
        const file = path.join(SCREENSHOTS, `${name}--${String(++shots).padStart(2, '0')}-${shot}.png`);
        await page.screenshot({ path: file });
        return file;
      },
    };
    try {
      await withTimeout(
        (async () => {
          await page.goto(server.folderUrl(workspace));
          await waitForWorkbench(page);
          ready = Date.now() - t0;
          await fn(ctx);
        })(),
        timeoutMs,
        `scenario ${name}`,
      );
      outcomes.push({ name: `ui/${name}`, ok: true, ms: Date.now() - t0 });
      log(`  ✓ ui/${name} (${((Date.now() - t0) / 1000).toFixed(1)} s, workbench ready after ${(ready / 1000).toFixed(1)} s)`);
    } catch (err) {
      const shot = await ctx.screenshot('FAILED').catch(() => '(no screenshot)');
      outcomes.push({ name: `ui/${name}`, ok: false, ms: Date.now() - t0, error: `${errorText(err)}\n  screenshot: ${shot}` });
      log(`  ✗ ui/${name}`);
    } finally {
      await context.close().catch(() => {});
    }
  }
}

async function runHostTests(browser: Browser, server: CodeServer): Promise<void> {
  rmSync(HOST_RESULTS, { force: true });
  const workspace = makeWorkspace('host');
  const t0 = Date.now();
  const { context, page } = await newPage(browser, 'host');
  const automationLog: string[] = [];
  let exitCode: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (exitCode = resolve));
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    automationLog.push(`[${type}] ${(Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => exitCode(code));
  const remote = `vscode-remote://127.0.0.1:${server.port}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', `${remote}${ROOT}`],
    ['extensionTestsPath', `${remote}${path.join(HOST_OUT, 'index.js')}`],
  ]);
  let code: number | undefined;
  let failure: string | undefined;
  try {
    await page.goto(server.folderUrl(workspace, { payload }));
    code = await withTimeout(exited, HOST_TIMEOUT_MS, 'in-host tests');
  } catch (err) {
    failure = errorText(err);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'host--FAILED.png') }).catch(() => {});
  } finally {
    writeFileSync(path.join(ARTIFACTS, 'host-automation.log'), automationLog.join('\n') + '\n');
    await context.close().catch(() => {});
  }

  let results: HostResults | undefined;
  if (existsSync(HOST_RESULTS)) {
    results = JSON.parse(readFileSync(HOST_RESULTS, 'utf8')) as HostResults;
    cpSync(HOST_RESULTS, path.join(ARTIFACTS, 'host-results.json'));
  }
  if (results) {
    for (const t of results.tests) {
      const mark = t.state === 'passed' ? '✓' : t.state === 'failed' ? '✗' : '-';
      log(`  ${mark} host/${t.title}${t.durationMs !== undefined ? ` (${t.durationMs} ms)` : ''}`);
      outcomes.push({ name: `host/${t.title}`, ok: t.state !== 'failed', ms: t.durationMs ?? 0, error: t.error });
    }
    for (const e of results.errors) outcomes.push({ name: 'host (outside a test)', ok: false, ms: 0, error: e });
    for (const m of results.measurements ?? []) log(`  measured: ${m}`);
  }
  if (failure || code !== 0 || !results) {
    const why =
      failure ??
      (!results ? `no results file ${HOST_RESULTS}: the tests did not run (see host-automation.log)` : `run() rejected (exit code ${code})`);
    if (!results || results.failed + results.errors.length === 0) {
      outcomes.push({ name: 'host (run)', ok: false, ms: Date.now() - t0, error: why });
    }
  }
  log(`  in-host run took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const watchdog = setTimeout(() => void abort(`the e2e run exceeded E2E_TIMEOUT_S=${TIMEOUT_S}`), TIMEOUT_S * 1000);
  watchdog.unref();

  assertInstalled();
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS, { recursive: true });

  if (PACKAGE) packageExtension();
  const hasHost = HOST && (await bundleHostTests());

  const profile: Profile = createProfile();
  cleanups.push(() => {
    if (KEEP) {
      log(`kept profile ${profile.dir} and workspaces ${WORKSPACES}`);
      return;
    }
    rmSync(profile.dir, { recursive: true, force: true });
    rmSync(WORKSPACES, { recursive: true, force: true });
  });
  installVsix(profile);

  const server = await startCodeServer({ profile, logFile: path.join(ARTIFACTS, 'code-server.log') });
  cleanups.push(() => server.stop());
  log(`code-server ${server.baseUrl} (pid ${server.pid}); workspaces (copies of examples/) in ${WORKSPACES}`);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  cleanups.push(() => browser.close());

  if (UI) {
    log('UI scenarios:');
    await runUiScenarios(browser, server);
  }
  if (hasHost) {
    log('in-host tests:');
    await runHostTests(browser, server);
  }

  await cleanup();
  clearTimeout(watchdog);

  const failed = outcomes.filter((o) => !o.ok);
  for (const f of failed) process.stderr.write(`\n[e2e] FAILED ${f.name}\n${f.error ?? ''}\n`);
  log(`screenshots: ${SCREENSHOTS}`);
  log(`artifacts (code-server log, browser console, host results): ${ARTIFACTS}`);
  log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (outcomes.length === 0) {
    process.stderr.write('[e2e] no test ran\n');
    process.exit(1);
  }
  console.log(`e2e: ${outcomes.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length ? 1 : 0);
}

main().catch((err) => abort(errorText(err)));
