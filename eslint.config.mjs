// Lint: TypeScript rules plus the import boundaries between rooms (DESIGN.md §1).
import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads', 'zlib', 'crypto', 'http', 'https', 'net', 'url', 'util', 'stream'];

/** Forbids importing the given rooms (relative paths of any depth) and modules. */
function forbid(rooms, modules = [], message) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...rooms.map((room) => ({ group: [`../**/${room}`, `../**/${room}/**`], message })),
          ...(modules.length ? [{ group: modules, message }] : []),
        ],
      },
    ],
  };
}

// No import cycles (DESIGN.md §1), type-only imports included: a cycle through `import type` still ties two files'
// designs together. Custom because eslint-plugin-import-x's no-cycle skips type-only imports (no option counts
// them). Every relative import counts: static, `import type`, re-exports, import() and require(); the graph is
// read from disk with TypeScript's import scanner (no type checking; each file is scanned once per run).

/** Per file on disk: its mtime, text, imports ([path, position, end]) and the files they name. */
const scans = new Map();

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The .ts/.tsx file a relative specifier names, as TypeScript resolves it; undefined for packages and other files. */
function resolveImport(from, specifier) {
  if (!/^\.\.?(\/|$)/.test(specifier)) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`, base.replace(/\.js$/, '.ts')];
  return candidates.find((c) => /\.tsx?$/.test(c) && isFile(c));
}

/** `text`'s imports of project files: [resolved path, position of the specifier, its end]. */
function scanImports(file, text) {
  const out = [];
  for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
    const target = resolveImport(file, ref.fileName);
    if (target) out.push([target, ref.pos, ref.end]);
  }
  return out;
}

/** `file` on disk, scanned (the scanner is the costly part: once per file and run, until the file changes). */
function scanOnDisk(file) {
  const mtime = statSync(file).mtimeMs;
  const cached = scans.get(file);
  if (cached?.mtime === mtime) return cached;
  const text = readFileSync(file, 'utf8');
  const imports = scanImports(file, text);
  const scan = { mtime, text, imports, targets: [...new Set(imports.map(([target]) => target))] };
  scans.set(file, scan);
  return scan;
}

/** The shortest import path from `start` to `goal` (both included), or undefined; `importsOf` gives the edges. */
function importPath(start, goal, importsOf) {
  const parent = new Map([[start, undefined]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const file = queue[i];
    if (file === goal) {
      const path = [];
      for (let f = file; f !== undefined; f = parent.get(f)) path.unshift(f);
      return path;
    }
    for (const next of importsOf(file)) {
      if (!parent.has(next)) {
        parent.set(next, file);
        queue.push(next);
      }
    }
  }
  return undefined;
}

const noImportCycles = {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow import cycles between project files, type-only imports included.' },
    schema: [],
    messages: { cycle: 'Import cycle: {{cycle}}. Move what both need to a module both can import one way.' },
  },
  create(context) {
    return {
      Program() {
        const file = context.filename;
        const source = context.sourceCode;
        const root = context.cwd;
        // Each file's imports are looked up (a stat) once per linted file, however many of its imports we follow.
        const seen = new Map();
        const lookup = (f) => {
          if (!seen.has(f)) seen.set(f, scanOnDisk(f).targets);
          return seen.get(f);
        };
        // This file as linted (an editor's text may be unsaved), the rest from disk.
        const onDisk = isFile(file) ? scanOnDisk(file) : undefined;
        const imports = onDisk?.text === source.text ? onDisk.imports : scanImports(file, source.text);
        for (const [target, pos, end] of imports) {
          const back = importPath(target, file, lookup);
          if (!back) continue;
          const cycle = [file, ...back].map((f) => relative(root, f)).join(' → ');
          context.report({ loc: { start: source.getLocFromIndex(pos), end: source.getLocFromIndex(end) }, messageId: 'cycle', data: { cycle } });
        }
      },
    };
  },
};

export default tseslint.config(
  // src/engine/wasm/assembly is AssemblyScript (decorators on functions, i32/v128): asc checks it, not tsc or eslint.
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.e2e/**', 'media/**', '**/*.js', '**/*.mjs', 'src/engine/wasm/assembly/**'] },
  ...tseslint.configs.recommended,
  {
    // Type information for the rules that need it: each file is checked with its nearest tsconfig
    // (webview/, src/model/, src/engine/ have their own; the rest uses the root one).
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Every switch over a union handles each member or ends in `default: assertNever(x)` (DESIGN.md §4):
      // a new message or layer type is then a compile/lint error at every place that must handle it.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false, allowDefaultCaseForExhaustiveSwitch: true },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    plugins: { project: { rules: { 'no-import-cycles': noImportCycles } } },
    rules: { 'project/no-import-cycles': 'error' },
  },
  {
    files: ['src/model/**/*.ts'],
    rules: forbid(['engine', 'node', 'protocol', 'extension', 'worker', 'cli', 'webview'], ['vscode', ...nodeBuiltins], 'model/ is pure: it imports only model/ and jsonc-parser.'),
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: forbid(['node', 'protocol', 'extension', 'worker', 'cli', 'webview'], ['vscode', ...nodeBuiltins], 'engine/ is pure: it imports only engine/ and model/.'),
  },
  {
    files: ['src/interop/**/*.ts'],
    rules: forbid(['node', 'protocol', 'extension', 'worker', 'cli', 'webview'], ['vscode', ...nodeBuiltins], 'interop/ is pure: it imports only interop/, model/, engine/ and onnx-proto; file I/O lives in cli/.'),
  },
  {
    files: ['src/node/**/*.ts'],
    rules: forbid(['protocol', 'extension', 'worker', 'cli', 'webview'], ['vscode'], 'node/ does Node.js I/O and processes for the engine; it never imports VS Code or the front ends.'),
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: forbid(['engine', 'node', 'extension', 'worker', 'cli', 'webview'], ['vscode', ...nodeBuiltins], 'protocol/ is shared with the webview: types and the Endpoint only.'),
  },
  {
    files: ['src/worker/**/*.ts'],
    rules: forbid(['extension', 'cli', 'webview'], ['vscode'], 'The worker runs the engine; it never imports VS Code.'),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: forbid(['extension', 'worker', 'webview'], ['vscode'], 'The CLI runs headless: no VS Code.'),
  },
  {
    files: ['webview/**/*.ts'],
    rules: forbid(['engine', 'node', 'extension', 'worker', 'cli'], ['vscode', ...nodeBuiltins], 'The webview is browser code: protocol/ and model/ types only.'),
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
