// `npm start`: build and package the extension, then serve VS Code (code-server, installed by
// scripts/e2e/setup.sh like for the e2e tests) on 127.0.0.1 with the extension installed and
// examples/ open. No password: it listens on the loopback interface only. Ctrl+C stops it.
//   env PORT (default 8080, or any free port when taken)
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, E2E_DIR, createProfile, freePort, installVsix, log, packageExtension, startCodeServer } from '../test/e2e/lib/codeServer';

async function main(): Promise<void> {
  const setup = spawnSync('bash', [path.join(ROOT, 'scripts/e2e/setup.sh')], { stdio: 'inherit' });
  if (setup.status !== 0) throw new Error('scripts/e2e/setup.sh failed');

  packageExtension(false);
  // A profile kept between starts (settings, state); the extension is reinstalled each time.
  const profile = createProfile(path.join(E2E_DIR, 'start-profile'));
  installVsix(profile);

  const port = await freePort(Number(process.env.PORT ?? 8080));
  const folder = path.join(ROOT, 'examples');
  const server = await startCodeServer({ profile, port, folder, logFile: path.join(profile.dir, 'code-server.log') });

  let stopping = false;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`${why}: stopping code-server`);
    await server.stop();
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stop(sig, 0));
  void server.exited.then((why) => stop(`${why} (log: ${server.logFile})`, 1));

  const url = server.folderUrl(folder);
  console.log(`\nCNN Studio in VS Code (code-server ${server.baseUrl}, pid ${server.pid}):\n\n  ${url}\n`);
  console.log(`log: ${server.logFile}\nPress Ctrl+C to stop.`);
}

main().catch((err) => {
  console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
