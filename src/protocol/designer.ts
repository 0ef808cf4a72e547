// The designer channel: extension host ↔ designer webview. The webview speaks first (`ready`); the host
// answers with `init` and then, whenever the document text changes, a `patch` of the view it sent last
// (`update`, the whole view, to a panel it sent none). Every webview intent is a request whose reply is an
// `IntentReply`; the document, not the webview, holds the model (DESIGN.md §5).
// Edit intents name layers by index, so each carries the document version of the view it was made on: the
// host refuses one made on any other version (DESIGN.md §4) rather than edit whatever layer now has that index.
// This file imports no other room: shapes are plain number arrays, layer configs plain JSON.

/**
 * Bump on any incompatible change to the messages below. 3: views and edit intents carry `documentVersion`.
 * 4: the selection follows a text editor (`select`, `revealLayer`); `exportImage`.
 * 5: later views as `patch`es of the last one sent (designerPatch.ts).
 */
export const PROTOCOL_VERSION = 5;

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonPath = readonly (string | number)[];

/** Commands the webview may ask the host to run (an allow-list: the webview is untrusted). */
export const WEBVIEW_COMMANDS = ['cnnStudio.train'] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

/** One input of a layer, resolved by the shape function. */
export interface InputView {
  /** "input" or the producing layer's name, as the file (or the implicit previous layer) gives it. */
  readonly name: string;
  /** The producing layer, −1 for the model input; absent when the name resolves to no earlier layer. */
  readonly index?: number;
  readonly shape?: readonly number[];
  /** The diagnostic about this input (an unknown name, a shape that does not fit), when there is one. */
  readonly error?: string;
}

export interface RowView {
  readonly index: number;
  /** The layer's `type`, or "layer" when it is not a string (the shape function's default names use that too). */
  readonly type: string;
  /** `name` from the file, or the default `<type>_<index>` (defaultLayerName). */
  readonly name: string;
  /** Every input in order: the `inputs` field resolved, else the previous layer (the model input for the first). */
  readonly inputs: readonly InputView[];
  /** Elements of the `inputs` field; 0 when the layer has none and reads the previous layer. */
  readonly explicitInputs: number;
  /** Layers that read this one's output. */
  readonly consumers: readonly number[];
  /** Key settings, e.g. "32 × 3×3, same, relu". */
  readonly summary: string;
  /** Unknown when this layer or an earlier one has an error. */
  readonly outputShape?: readonly number[];
  readonly params: number;
  readonly trainable: number;
  readonly macs: number;
  /** Exactly the messages of the diagnostics for this layer. */
  readonly errors: readonly string[];
  /** The messages of its warnings (e.g. a dead branch). */
  readonly warnings: readonly string[];
}

export interface TotalsView {
  readonly params: number;
  readonly trainable: number;
  readonly nonTrainable: number;
  readonly weightBytes: number;
  readonly macs: number;
  readonly activationBytesPerSample: number;
}

/** What training would allocate (src/engine/plan/memory.ts), as the CLI summary prints it. */
export interface MemoryView {
  readonly totalBytes: number;
  readonly batchSize: number;
  readonly optimizer: string;
  /** The largest consumers, largest first, e.g. "dense_1's kernel, its gradient and 2 Adam slots". */
  readonly consumers: readonly { readonly label: string; readonly bytes: number }[];
  /** Above half the machine's memory: the message training refuses with. */
  readonly warning?: string;
}

/** Everything the designer shows, derived from the document text alone. */
export interface DesignerView {
  readonly name: string;
  readonly description?: string;
  /** The input shape as written, when it is an array of numbers. */
  readonly inputShape?: readonly number[];
  readonly rows: readonly RowView[];
  readonly totals?: TotalsView;
  /** Present when every shape is known (the model could be trained). */
  readonly memory?: MemoryView;
  /** The raw layer objects, for the field editors. */
  readonly layers: readonly JsonValue[];
  /** The raw `training` object, when present. */
  readonly training?: JsonValue;
  /** `training.batchSize` or its default, for activation memory per batch. */
  readonly batchSize: number;
  /** Messages of diagnostics outside any layer (syntax, input, training, …). */
  readonly problems: readonly string[];
  /** false when the text is not a JSON object with a layers array: intents are then refused. */
  readonly editable: boolean;
}

/** The fields of a view other than its rows and layers (which a patch sends one by one). */
export type ViewField = Exclude<keyof DesignerView, 'rows' | 'layers'>;

/** A view as its difference from the one the webview shows (designerPatch.ts makes and applies it). */
export interface ViewPatch {
  /** Fields other than rows and layers whose value changed (or appeared): their new values. */
  readonly set: { readonly [K in ViewField]?: DesignerView[K] };
  /** Optional fields the new view no longer has. */
  readonly removed: readonly ViewField[];
  readonly rowCount: number;
  /** Each row that differs from the base's at its index (or lies past the base's rows), with its index. */
  readonly rows: readonly (readonly [number, RowView])[];
  readonly layerCount: number;
  readonly layers: readonly (readonly [number, JsonValue])[];
}

// ---- host → webview

export type HostMessage =
  /** `documentVersion`: the document's version `view` was built from; the webview stamps its edit intents with it. */
  | { readonly type: 'init'; readonly protocolVersion: number; readonly documentVersion: number; readonly view: DesignerView }
  | { readonly type: 'update'; readonly documentVersion: number; readonly view: DesignerView }
  /** The view of `documentVersion` as a patch of the one of version `base`, which the webview was sent last. */
  | { readonly type: 'patch'; readonly documentVersion: number; readonly base: number; readonly patch: ViewPatch }
  /** The cursor of a text editor of the same document moved into layer `index`: the designer selects it. */
  | { readonly type: 'select'; readonly index: number }
  /** The two sides cannot talk (version mismatch): the webview shows this and stops. */
  | { readonly type: 'fatal'; readonly message: string };

// ---- webview → host

/** The gestures that change the document, as a view (or a quick fix) describes them. */
export type EditIntent =
  | { readonly type: 'insertLayer'; readonly index: number; readonly layerType: string }
  | { readonly type: 'deleteLayer'; readonly index: number }
  | { readonly type: 'duplicateLayer'; readonly index: number }
  | { readonly type: 'moveLayer'; readonly from: number; readonly to: number }
  /** Sets the value at `path` (from the root); a missing `value` removes the field. */
  | { readonly type: 'editField'; readonly path: JsonPath; readonly value?: JsonValue }
  | { readonly type: 'editInput'; readonly shape: readonly [number, number, number] }
  /** Adds the output of layer `from` (−1: the model input) to the inputs of layer `index`. */
  | { readonly type: 'connectInput'; readonly index: number; readonly from: number }
  /** Removes element `element` of layer `index`'s `inputs` field. */
  | { readonly type: 'disconnectInput'; readonly index: number; readonly element: number }
  /** Sets the inputs of layer `index` to the outputs of `from` (−1: the model input), in order; [] reads the previous layer. */
  | { readonly type: 'setInputs'; readonly index: number; readonly from: readonly number[] }
  /** Inserts after `last` an `add` of the output of `last` and the input of `first`. */
  | { readonly type: 'addResidual'; readonly first: number; readonly last: number }
  /** Transfer learning: `"trainable": false` on layers 0…index (those with parameters), every later layer trainable. */
  | { readonly type: 'freezeUpTo'; readonly index: number }
  /** Removes every `"trainable": false`. */
  | { readonly type: 'unfreezeAll' };
export type EditIntentType = EditIntent['type'];

/** Every edit intent type: a Record, so a type added to EditIntent but not here fails to compile. */
const EDIT_INTENT_TYPES: Readonly<Record<EditIntentType, true>> = {
  insertLayer: true,
  deleteLayer: true,
  duplicateLayer: true,
  moveLayer: true,
  editField: true,
  editInput: true,
  connectInput: true,
  disconnectInput: true,
  setInputs: true,
  addResidual: true,
  freezeUpTo: true,
  unfreezeAll: true,
};

/** An edit intent as sent: made on the view of `documentVersion`, refused on any other version of the document. */
export type VersionedEditIntent = EditIntent & { readonly documentVersion: number };

/** Intents that leave the document as it is. */
export type CommandIntent =
  | { readonly type: 'openAsText' }
  /** The layer selected in the designer: a text editor showing the document reveals and selects its range. */
  | { readonly type: 'revealLayer'; readonly index: number }
  /** The diagram as a file: the host asks where (a save dialog) and writes it. `data`: SVG text, or base64 PNG. */
  | { readonly type: 'exportImage'; readonly format: 'svg' | 'png'; readonly data: string }
  | { readonly type: 'runCommand'; readonly command: WebviewCommand };

/** What a view asks for; `withDocumentVersion` makes it the message sent. */
export type Intent = EditIntent | CommandIntent;
export type IntentMessage = VersionedEditIntent | CommandIntent;
export type IntentType = IntentMessage['type'];

export type ReadyMessage = { readonly type: 'ready'; readonly protocolVersion: number };
export type WebviewMessage = ReadyMessage | IntentMessage;

export function isEditIntentType(type: unknown): type is EditIntentType {
  return typeof type === 'string' && Object.hasOwn(EDIT_INTENT_TYPES, type);
}

export function isEditIntent<T extends { readonly type: string }>(msg: T): msg is Extract<T, { readonly type: EditIntentType }> {
  return isEditIntentType(msg.type);
}

/** The intent as sent from a view showing `documentVersion`: edits are stamped with it, commands go as they are. */
export function withDocumentVersion(intent: Intent, documentVersion: number): IntentMessage {
  return isEditIntent(intent) ? { ...intent, documentVersion } : intent;
}

/** The reply to every intent request. */
export interface IntentReply {
  /** false when the intent changed nothing (e.g. moving a layer onto itself). */
  readonly applied: boolean;
}

/** The host's answer to `ready`: the first message it ever posts. */
export function handshake(ready: { readonly protocolVersion: number }, view: DesignerView, documentVersion: number): HostMessage {
  if (ready.protocolVersion !== PROTOCOL_VERSION) {
    return {
      type: 'fatal',
      message: `The designer (protocol ${ready.protocolVersion}) does not match the extension (protocol ${PROTOCOL_VERSION}): reopen the editor.`,
    };
  }
  return { type: 'init', protocolVersion: PROTOCOL_VERSION, documentVersion, view };
}
