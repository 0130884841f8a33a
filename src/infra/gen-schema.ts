// Build step: writes schema/lanes.config.schema.json from the zod schema, so editors complete
// exactly what lanes accepts.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigSchema } from './config-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schema = z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-7' });
mkdirSync(join(root, 'schema'), { recursive: true });
writeFileSync(
  join(root, 'schema', 'lanes.config.schema.json'),
  `${JSON.stringify({ title: 'lanes.config.json', ...schema }, null, 2)}\n`,
);
