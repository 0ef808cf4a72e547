// Writes schema/cnn-model.schema.json from the spec tables (a unit test fails when it is stale).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelJsonSchema } from '../src/model/schema';

export const SCHEMA_PATH = join(__dirname, '..', 'schema', 'cnn-model.schema.json');

export function schemaText(): string {
  return JSON.stringify(modelJsonSchema(), null, 2) + '\n';
}

if (require.main === module) {
  writeFileSync(SCHEMA_PATH, schemaText());
  console.log(`wrote ${SCHEMA_PATH}`);
}
