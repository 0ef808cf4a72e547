// Lint: TypeScript rules plus the import boundaries between rooms (DESIGN.md §1).
import tseslint from 'typescript-eslint';
import { noImportCycles } from './scripts/eslint/noImportCycles.mjs';

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
