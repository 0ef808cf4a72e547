// Where decoded samples are cached: one folder per user in the operating system's cache location, shared by the CLI
// and VS Code (the same photos decoded once for both). CNN_STUDIO_CACHE_DIR moves it (tests, a bigger disk).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.CNN_STUDIO_CACHE_DIR) return env.CNN_STUDIO_CACHE_DIR;
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'cnn-studio', 'Cache');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'cnn-studio');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cnn-studio');
}

/** The dataset caches' folder: one `.cache` file per data folder and input settings. */
export function datasetCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'datasets');
}
