// JSON Schema for `*.cnn.json`, derived from the spec tables so completion and hover docs in the
// plain JSON editor always match what the validator accepts. scripts/gen-schema.ts writes it to schema/.
import { MODEL_SPEC } from './modelSpec';
import type { FieldSpec, ObjectSpec } from './spec';

type JsonSchema = { readonly [key: string]: unknown };

export function modelJsonSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'CNN Studio model',
    ...objectSchema(MODEL_SPEC),
  };
}

function objectSchema(spec: ObjectSpec, extra: Record<string, JsonSchema> = {}, extraRequired: string[] = []): JsonSchema {
  const properties: Record<string, JsonSchema> = { ...extra };
  for (const [name, field] of Object.entries(spec.fields)) properties[name] = fieldSchema(field);
  const required = [...extraRequired, ...spec.required];
  return {
    type: 'object',
    description: spec.doc,
    properties,
    ...(required.length ? { required } : {}),
    additionalProperties: false,
  };
}

function withDefault(schema: Record<string, unknown>, field: FieldSpec): JsonSchema {
  if ('default' in field && field.default !== undefined) schema.default = field.default;
  return { ...schema, description: field.doc, markdownDescription: field.doc };
}

function fieldSchema(field: FieldSpec): JsonSchema {
  switch (field.kind) {
    case 'int':
      return withDefault({ type: 'integer', minimum: field.min, maximum: field.max }, field);
    case 'number':
      return withDefault(
        {
          type: 'number',
          ...(field.exclusiveMin ? { exclusiveMinimum: field.min } : { minimum: field.min }),
          ...(field.exclusiveMax ? { exclusiveMaximum: field.max } : { maximum: field.max }),
        },
        field,
      );
    case 'intOrPair': {
      const int = { type: 'integer', minimum: field.min, maximum: field.max };
      return withDefault({ oneOf: [int, { type: 'array', items: int, minItems: 2, maxItems: 2 }] }, field);
    }
    case 'numberRange': {
      const end = { type: 'number', ...(field.exclusiveMin ? { exclusiveMinimum: field.min } : { minimum: field.min }), maximum: field.max };
      return withDefault({ type: 'array', items: end, minItems: 2, maxItems: 2 }, field);
    }
    case 'numberOrList': {
      const one = { type: 'number', ...(field.exclusiveMin ? { exclusiveMinimum: field.min } : { minimum: field.min }), maximum: field.max };
      return withDefault({ oneOf: [one, { type: 'array', items: one, minItems: 1 }] }, field);
    }
    case 'enum':
      return withDefault({ enum: [...field.values] }, field);
    case 'bool':
      return withDefault({ type: 'boolean' }, field);
    case 'string':
      return withDefault({ type: 'string', ...(field.path !== undefined ? { minLength: 1 } : {}) }, field);
    case 'shape3':
      return withDefault({ type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 3, maxItems: 3 }, field);
    case 'layerRefs':
      return withDefault({ type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }, field);
    case 'padding2d': {
      const int = { type: 'integer', minimum: field.min, maximum: field.max };
      const pair = { type: 'array', items: int, minItems: 2, maxItems: 2 };
      return withDefault({ oneOf: [int, pair, { type: 'array', items: pair, minItems: 2, maxItems: 2 }] }, field);
    }
    case 'windowPadding': {
      const int = { type: 'integer', minimum: field.min, maximum: field.max };
      const pair = { type: 'array', items: int, minItems: 2, maxItems: 2 };
      return withDefault({ oneOf: [{ enum: [...field.values] }, int, pair, { type: 'array', items: pair, minItems: 2, maxItems: 2 }] }, field);
    }
    case 'object':
      return { ...objectSchema(field.spec), description: field.doc };
    case 'array':
      return withDefault({ type: 'array', items: fieldSchema(field.items) }, field);
    case 'tagged': {
      const types = Object.keys(field.variants);
      // if/then per variant: editors then complete the right fields once "type" is chosen.
      return {
        type: 'object',
        description: field.doc,
        required: ['type'],
        properties: { type: { enum: types, description: 'The kind; selects the other fields.' } },
        allOf: types.map((t) => ({
          if: { properties: { type: { const: t } }, required: ['type'] },
          then: objectSchema(field.variants[t], { type: { const: t, description: field.variants[t].doc } }, ['type']),
        })),
        defaultSnippets: types.map((t) => ({ label: t, description: field.variants[t].doc, body: { type: t } })),
      };
    }
    case 'dataSource':
      return withDefault(
        {
          oneOf: [
            { type: 'string', minLength: 1, description: 'A folder with one subfolder of PNG/JPEG images per class.' },
            {
              type: 'object',
              properties: {
                images: { type: 'string', minLength: 1, description: 'IDX images file (plain or .gz).' },
                labels: { type: 'string', minLength: 1, description: 'IDX labels file (plain or .gz).' },
              },
              required: ['images', 'labels'],
              additionalProperties: false,
            },
          ],
        },
        field,
      );
  }
}
