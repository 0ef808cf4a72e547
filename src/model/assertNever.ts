// The one exhaustiveness helper (model/ is importable from every room): `default: return assertNever(x)` in a
// switch over a union is a type error when a member is left out, and at run time names the unexpected value
// (messages from a webview or worker are untrusted and may carry any "type").
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
