// A model as the text of a `.cnn.json` file, in the style of examples/: one layer per line.
import type { Model } from '../model/types';

/** JSON on one line with a space after each colon and comma: `{ "type": "conv2d", "kernelSize": [3, 3] }`. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

export function formatModelText(model: Model): string {
  const lines = Object.entries(model as unknown as Readonly<Record<string, unknown>>)
    .filter(([, v]) => v !== undefined)
    .map(([key, value]) => {
      if (key !== 'layers') return `  ${JSON.stringify(key)}: ${inline(value)}`;
      const layers = (value as readonly unknown[]).map((l) => `    ${inline(l)}`);
      return layers.length ? `  "layers": [\n${layers.join(',\n')}\n  ]` : '  "layers": []';
    });
  return `{\n${lines.join(',\n')}\n}\n`;
}
