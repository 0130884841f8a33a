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
    throw new InputError(jsonErrorMessage(text, (err as Error).message), {
      hint: 'the file must be one JSON object; see the $schema for the keys',
    });
  }
}

/**
 * "lanes.config.json:3:5: not valid JSON (expected …)": V8's message gives only a character
 * position (Node 20) or appends its own line and column (Node 22); either becomes line:column.
 */
const POSITION = /\s*(?:in JSON )?at position (\d+)(?: \(line \d+ column \d+\))?/;

export function jsonErrorMessage(text: string, message: string): string {
  const at = POSITION.exec(message);
  const position = at
    ? Number(at[1])
    : /Unexpected end of JSON input/.test(message)
      ? text.length
      : firstBadCharacter(text);
  const what = (at ? message.slice(0, at.index) + message.slice(at.index + at[0].length) : message)
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/^./, (c) => c.toLowerCase());
  const before = text.slice(0, position).split('\n');
  const line = before.length;
  const column = before[before.length - 1]!.length + 1;
  return `${CONFIG_FILE}:${line}:${column}: not valid JSON (${what})`;
}

export async function loadConfigFile(repoRoot: string): Promise<Config> {
  const file = readConfigFile(repoRoot);
  if (!file) return defaultConfig();
  const { parseConfig } = await import('./config.js');
  return parseConfig(file.data);
}

/**
 * Where parsing breaks, for messages without a position ("Unexpected token ']'"): the shortest
 * prefix that fails for another reason than ending early ends with the offending character.
 */
function firstBadCharacter(text: string): number {
  const failsThere = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (err) {
      const message = (err as Error).message;
      const at = POSITION.exec(message);
      return at ? Number(at[1]) < length : !/Unexpected end of JSON input/.test(message);
    }
  };
  let low = 1;
  let high = text.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (failsThere(mid)) high = mid;
    else low = mid + 1;
  }
  return low - 1;
}
