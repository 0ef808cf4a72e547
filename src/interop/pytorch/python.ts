// Writing Python source text from TypeScript: literals, identifiers from layer names, and the safetensors reader
// both generated files carry (for machines without the `safetensors` package). Shared by pytorch/ and keras/.

/** A JSON-like value as a Python literal: strings JSON-escaped (valid Python), true → True, null → None. */
export function pyLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pyLiteral).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${pyString(k)}: ${pyLiteral(v)}`).join(', ')}}`;
}

/** A string literal: JSON's escapes are Python's, except that Python reads "\/" literally, which JSON never writes. */
export const pyString = (s: string): string => JSON.stringify(s);

/** Text for a docstring or comment: one line, no backslashes (escapes), no closing triple quote. */
export const pyDoc = (s: string): string => s.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/\\/g, '/').replace(/"""/g, "'''");

/** Numbers as JavaScript prints them (shortest round-trip form), which Python parses to the same double. */
export function pyNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`cannot write ${n} as a Python number`);
  return String(n);
}

/** A tuple literal, with the trailing comma a 1-tuple needs. */
export const pyTuple = (items: readonly (number | string)[]): string => (items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`);

const KEYWORDS = new Set(
  ('False None True and as assert async await break class continue def del elif else except finally for from global if import in is ' +
    'lambda nonlocal not or pass raise return try while with yield match case').split(' '),
);

/**
 * Python identifiers for layer names: other characters become "_", a leading digit gets "layer_", and names that are
 * keywords or in `reserved` (e.g. nn.Module's own attributes) get a trailing "_"; a clash after that gets "_2", "_3"….
 * Returns one identifier per name, in order.
 */
export function pyIdentifiers(names: readonly string[], reserved: ReadonlySet<string>): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    let id = name.normalize('NFKC').replace(/[^A-Za-z0-9_]/g, '_');
    if (id === '' || /^[0-9]/.test(id)) id = `layer_${id}`;
    if (KEYWORDS.has(id) || reserved.has(id)) id = `${id}_`;
    let unique = id;
    for (let k = 2; taken.has(unique); k++) unique = `${id}_${k}`;
    taken.add(unique);
    return unique;
  });
}

/** Python lines indented by `depth` levels of four spaces (empty lines stay empty). */
export function indent(lines: readonly string[], depth: number): string[] {
  const pad = ' '.repeat(4 * depth);
  return lines.map((l) => (l === '' ? '' : pad + l));
}

/**
 * `read_safetensors(path) -> (tensors, metadata)` with NumPy float32 arrays: the `safetensors` package when it is
 * importable, else the format read by hand (docs/weights.md: u64 LE header length, JSON header, F32 LE data).
 */
export const SAFETENSORS_READER = `def read_safetensors(path):
    """Our weights file as ({name: float32 NumPy array}, metadata). Uses the safetensors package when installed."""
    try:
        from safetensors import safe_open
    except ImportError:
        safe_open = None
    if safe_open is not None:
        with safe_open(path, framework="numpy") as f:
            return {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata() or {})
    # The format by hand: 8 bytes of header length (little-endian u64), the JSON header, then the raw data.
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {entry['dtype']}; only F32 is supported")
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin).reshape(entry["shape"]).copy()
    return tensors, metadata`;
