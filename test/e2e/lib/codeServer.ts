// code-server (VS Code served to a browser) for the e2e tests and `npm start`.
// Installed by scripts/e2e/setup.sh into .e2e/code-server; see shared/E2E.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const E2E_DIR = path.join(ROOT, '.e2e');
export const CODE_SERVER_VERSION = '4.100.3';
export const CODE_SERVER_ENTRY = path.join(E2E_DIR, 'code-server/node_modules/code-server/out/node/entry.js');
export const VSIX = path.join(ROOT, 'dist/cnn-studio.vsix');
export const EXTENSION_ID = 'cnn-studio.cnn-studio';

/** User settings that keep welcome pages, tips and update checks from covering the editor. */
export const USER_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'editor.hover.delay': 100,
  'workbench.enableExperiments': false,
  'chat.commandCenter.enabled': false,
  'security.workspace.trust.enabled': false,
  // Less work on a 2-core machine, and nothing that waits on the network (there is none).
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'github.gitAuthentication': false,
  'json.schemaDownload.enable': false,
  'npm.autoDetect': 'off',
  'typescript.disableAutomaticTypeAcquisition': true,
  'extensions.ignoreRecommendations': true,
  'workbench.settings.enableNaturalLanguageSearch': false,
};

export function log(msg: string): void {
  process.stdout.write(`[e2e] ${msg}\n`);
}

export function assertInstalled(): void {
  if (!existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(`code-server is not installed in ${path.relative(ROOT, E2E_DIR)}/: run \`bash scripts/e2e/setup.sh\` first`);
  }
}

/** Runs a command in the repo, inheriting stdio unless `quiet`; throws on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { quiet?: boolean; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const out = opts.quiet ? `\n${r.stdout ?? ''}${r.stderr ?? ''}` : '';
    throw new Error(`\`${cmd} ${args.join(' ')}\` exited with ${r.status ?? r.signal}${out}`);
  }
  return opts.quiet ? `${r.stdout ?? ''}${r.stderr ?? ''}` : '';
}

/** `npm run package`: build + vsce package to dist/cnn-studio.vsix. */
export function packageExtension(quiet = true): string {
  const t0 = Date.now();
  run('npm', ['run', '--silent', 'package'], { quiet });
  if (!existsSync(VSIX)) throw new Error(`npm run package did not produce ${VSIX}`);
  log(`packaged ${path.relative(ROOT, VSIX)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return VSIX;
}

export interface Profile {
  /** Root of this profile's folders. */
  dir: string;
  userDataDir: string;
  extensionsDir: string;
  /** Environment for code-server: XDG folders inside the profile, never the home directory. */
  env: NodeJS.ProcessEnv;
}

/** Creates (or reuses) the folders code-server writes to and the user settings. */
export function createProfile(dir?: string, settings: Record<string, unknown> = {}): Profile {
  const root = dir ?? mkdtempSync(path.join(os.tmpdir(), 'cnn-studio-e2e-'));
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const xdgConfig = path.join(root, 'xdg-config');
  const xdgData = path.join(root, 'xdg-data');
  for (const d of [userDataDir, extensionsDir, xdgConfig, xdgData, path.join(userDataDir, 'User')]) {
    mkdirSync(d, { recursive: true });
  }
  writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...USER_SETTINGS, ...settings }, null, 2),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: xdgConfig,
    XDG_DATA_HOME: xdgData,
    // code-server must not pick up a password or a config from the caller's environment.
    PASSWORD: undefined,
    HASHED_PASSWORD: undefined,
    VSCODE_IPC_HOOK_CLI: undefined,
  };
  return { dir: root, userDataDir, extensionsDir, env };
}

function codeServerArgs(profile: Profile): string[] {
  return [CODE_SERVER_ENTRY, '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir];
}

/** Installs a .vsix into the profile's extensions folder. */
export function installVsix(profile: Profile, vsix: string = VSIX): void {
  const t0 = Date.now();
  const out = run(process.execPath, [...codeServerArgs(profile), '--force', '--install-extension', vsix], {
    quiet: true,
    env: profile.env,
  });
  if (!/successfully installed/i.test(out)) {
    throw new Error(`installing ${vsix} did not report success:\n${out}`);
  }
  log(`installed ${path.basename(vsix)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** A free TCP port on 127.0.0.1 (or `preferred` when it is free). */
export async function freePort(preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        const addr = srv.address() as net.AddressInfo;
        srv.close(() => resolve(addr.port));
      });
    });
  if (preferred) {
    try {
      return await tryPort(preferred);
    } catch {
      /* taken: fall through to any free port */
    }
  }
  return tryPort(0);
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export interface CodeServer {
  port: number;
  baseUrl: string;
  pid: number;
  logFile: string;
  /** Resolves with a description when code-server's main process exits. */
  exited: Promise<string>;
  /** `baseUrl/?folder=…` (plus extra query parameters). */
  folderUrl(folder: string, query?: Record<string, string>): string;
  /** Kills code-server's whole process group; safe to call more than once. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

// code-server runs under this shell, the leader of its own session and process group (setsid).
// The shell ends the whole group when code-server exits or when the process that started it
// dies without cleaning up (SIGKILL, a CI timeout): no orphaned servers or extension hosts.
// `trap :` (not `trap ''`, which children would inherit) lets it outlive the group's SIGTERM.
const GUARD = [
  'trap : TERM INT HUP',
  'parent=$1; shift',
  '"$@" & cs=$!',
  'while kill -0 "$parent" 2>/dev/null && kill -0 "$cs" 2>/dev/null; do sleep 1; done',
  'kill -TERM 0 2>/dev/null',
  'i=0; while kill -0 "$cs" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done',
  'kill -KILL 0',
].join('\n');

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

// Never leave a code-server behind, whatever way this process ends.
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

/**
 * Starts code-server on 127.0.0.1 without auth, in its own session/process group
 * (setsid, via `detached`), and waits until GET /healthz answers 200.
 */
export async function startCodeServer(opts: {
  profile: Profile;
  port?: number;
  folder?: string;
  logFile: string;
  timeoutMs?: number;
  extraArgs?: string[];
}): Promise<CodeServer> {
  assertInstalled();
  const port = opts.port ?? (await freePort());
  const args = [
    ...codeServerArgs(opts.profile),
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(opts.extraArgs ?? []),
    ...(opts.folder ? [opts.folder] : []),
  ];
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const logStream = createWriteStream(opts.logFile);
  const child = spawn('sh', ['-c', GUARD, 'code-server-guard', String(process.pid), process.execPath, ...args], {
    cwd: ROOT,
    env: opts.profile.env,
    detached: true, // setsid(): its own session and process group, killed as a whole
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.stdout!.pipe(logStream);
  child.stderr!.pipe(logStream);
  let exited: string | undefined;
  const exitedPromise = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = `code-server exited (${code ?? signal})`;
      resolve(exited);
    });
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(child, 'SIGTERM');
    const gone = await new Promise<boolean>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
      const t = setTimeout(() => resolve(false), 3000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    // The group may hold extension hosts and watchers that outlive the main process.
    killGroup(child, 'SIGKILL');
    if (!gone) await new Promise((r) => setTimeout(r, 200));
    running.delete(child);
    logStream.end();
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`${exited} before answering /healthz; log: ${opts.logFile}`);
    }
    if ((await httpStatus(`${baseUrl}/healthz`)) === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer ${baseUrl}/healthz in time; log: ${opts.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    port,
    baseUrl,
    pid: child.pid!,
    logFile: opts.logFile,
    exited: exitedPromise,
    folderUrl(folder: string, query: Record<string, string> = {}) {
      const q = Object.entries({ folder, ...query }).map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%2F/g, '/')}`);
      return `${baseUrl}/?${q.join('&')}`;
    },
    stop,
  };
}
