// What the read-only designer accepts from its webview: the handshake and "Convert to .cnn.json". Every editing
// intent is refused with one reason, whatever the webview sends (it is untrusted, DESIGN.md §4).
import type { WebviewMessage } from '../../protocol/designer';
import { guardWebviewMessage } from '../../protocol/designerGuard';

export type ReadOnlyMessage = Extract<WebviewMessage, { readonly type: 'ready' | 'convertToModel' }>;

export function guardReadOnlyMessage(raw: unknown): ReadOnlyMessage | string {
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  if (type === 'convertToModel') return { type: 'convertToModel' };
  if (type !== 'ready') return `the model is read-only: ${JSON.stringify(type)} is not accepted`;
  const ready = guardWebviewMessage(raw, { documentVersion: 0, layerCount: 0, layerTypes: [] });
  if (typeof ready === 'string') return ready;
  return ready.type === 'ready' ? ready : 'not a handshake';
}
