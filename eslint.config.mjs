// Lint: TypeScript rules plus the import boundaries between rooms (DESIGN.md §1).
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

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.e2e/**', 'media/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/model/**/*.ts'],
    rules: forbid(['engine', 'data', 'protocol', 'extension', 'worker', 'cli', 'webview'], ['vscode', ...nodeBuiltins], 'model/ is pure: it imports only model/ and jsonc-parser.'),
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: forbid(['data', 'protocol', 'extension', 'worker', 'cli', 'webview'], ['vscode', ...nodeBuiltins], 'engine/ is pure: it imports only engine/ and model/.'),
  },
  {
    files: ['src/data/**/*.ts'],
    rules: forbid(['protocol', 'extension', 'worker', 'cli', 'webview'], ['vscode'], 'data/ reads files for the engine; it never imports VS Code or the front ends.'),
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: forbid(['engine', 'data', 'extension', 'worker', 'cli', 'webview'], ['vscode', ...nodeBuiltins], 'protocol/ is shared with the webview: types and the Endpoint only.'),
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
    rules: forbid(['engine', 'data', 'extension', 'worker', 'cli'], ['vscode', ...nodeBuiltins], 'The webview is browser code: protocol/ and model/ types only.'),
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
