// CNN: Clear Data Cache: deletes the decoded image folders (node/datasets/cache), shared with the CLI's
// `cnn cache clear`; the next run decodes its images again.
import * as vscode from 'vscode';
import { clearCaches, listCaches } from '../../node/datasets/cache/datasetCache';
import { datasetCacheDir } from '../../node/datasets/cache/location';
import { formatBytes } from '../../model/format';

export async function clearDataCache(log: vscode.LogOutputChannel): Promise<void> {
  const dir = datasetCacheDir();
  const caches = await listCaches(dir);
  if (caches.length === 0) {
    void vscode.window.showInformationMessage(`The data cache is empty (${dir}).`);
    return;
  }
  const size = formatBytes(caches.reduce((s, c) => s + c.bytes, 0));
  const pick = await vscode.window.showWarningMessage(
    `Delete the data cache (${size} in ${dir})? Image folders are decoded again on their next run.`,
    { modal: true },
    'Clear Data Cache',
  );
  if (pick !== 'Clear Data Cache') return;
  try {
    const { files, bytes } = await clearCaches(dir);
    log.info(`cleared the data cache ${dir}: ${files} file${files === 1 ? '' : 's'}, ${formatBytes(bytes)}`);
    void vscode.window.showInformationMessage(`Cleared the data cache: ${formatBytes(bytes)} freed.`);
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot clear the data cache ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
