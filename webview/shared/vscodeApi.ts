// VS Code's handle on a webview's host, declared once for every view (designer, training).
export interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Defined by VS Code in every webview page; it throws when called a second time in the same page. */
declare function acquireVsCodeApi(): VsCodeApi;

let acquired: VsCodeApi | undefined;

/** The page's handle, acquired on first use and kept, since VS Code hands it out only once. */
export function vsCodeApi(): VsCodeApi {
  return (acquired ??= acquireVsCodeApi());
}
