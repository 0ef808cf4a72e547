// A lint rule for eslint.config.mjs: no import cycles in the files it lints.
import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

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

export const noImportCycles = {
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
