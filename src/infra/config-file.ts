/**
 * Reading `lanes.config.json` without paying for validation when there is nothing to validate:
 * no file gives the hand-written defaults; only an existing file loads zod (through config.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../domain/errors.js';
import { defaultConfig } from './config-defaults.js';
import type { Config } from './config-schema.js';

export const CONFIG_FILE = 'lanes.config.json';

/** The parsed JSON of the config file, or undefined when there is none. */
export function readConfigFile(repoRoot: string): { data: unknown } | undefined {
  let text: string;
  try {
    text = readFileSync(join(repoRoot, CONFIG_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`${CONFIG_FILE}: cannot be read (${(err as Error).message})`);
  }
  try {
    return { data: JSON.parse(text) as unknown };
  } catch (err) {
    throw new InputError(`${CONFIG_FILE}: not valid JSON (${(err as Error).message})`, { hint: 'the file must be one JSON object; see the $schema for the keys' });
  }
}

export async function loadConfigFile(repoRoot: string): Promise<Config> {
  const file = readConfigFile(repoRoot);
  if (!file) return defaultConfig();
  const { parseConfig } = await import('./config.js');
  return parseConfig(file.data);
}
