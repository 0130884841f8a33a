/**
 * Loading `lanes.config.json`: parse, validate against the one schema, and turn the first problem
 * into a single line that names the file, the key and, for a typo, the nearest valid key.
 */
import type { z } from 'zod';
import { InputError } from '../domain/errors.js';
import { CONFIG_FILE, readConfigFile } from './config-file.js';
import { defaultConfig } from './config-defaults.js';
import { ConfigSchema, type Config } from './config-schema.js';

export { CONFIG_FILE };

/** Synchronous load; commands go through config-file.ts, which loads zod only when the file exists. */
export function loadConfig(repoRoot: string): Config {
  const file = readConfigFile(repoRoot);
  return file ? parseConfig(file.data) : defaultConfig();
}

export function parseConfig(data: unknown): Config {
  const result = ConfigSchema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  throw new InputError(describeIssue(first, data), { hint: 'see the JSON Schema named by "$schema" (lanes init writes it) for every key' });
}

type Issue = z.core.$ZodIssue;

function keyPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function describeIssue(issue: Issue, data: unknown): string {
  const at = keyPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(ConfigSchema, data, issue.path);
    const key = issue.keys[0]!;
    const full = at ? `${at}.${key}` : key;
    const nearest = nearestKey(key, known);
    const accepted = known.length > 0 ? `accepted: ${known.join(', ')}` : '';
    return `${CONFIG_FILE}: unknown key "${full}"${nearest ? `; did you mean "${nearest}"?` : ''}${nearest ? '' : ` (${accepted})`}`;
  }
  if (issue.code === 'invalid_type' && valueAt(data, issue.path) === undefined) {
    return `${CONFIG_FILE}: "${at}" is required (${issue.expected})`;
  }
  return `${CONFIG_FILE}: ${at || '(top level)'}: ${issue.message}`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[String(segment)] : undefined;
  return value;
}

/** The object keys the schema accepts at `path`, following the data through unions and records. */
export function knownKeysAt(schema: z.ZodType, data: unknown, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  let value: unknown = data;
  for (let i = 0; i <= path.length; i++) {
    node = unwrap(node, value);
    if (i === path.length) break;
    const segment = path[i]!;
    const def = defOf(node);
    if (def?.type === 'object') node = (def.shape as Record<string, unknown>)[String(segment)];
    else if (def?.type === 'record') node = def.valueType;
    else if (def?.type === 'array') node = def.element;
    else return [];
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[String(segment)] : undefined;
  }
  const def = defOf(node);
  return def?.type === 'object' ? Object.keys(def.shape as object) : [];
}

interface Def {
  type: string;
  [key: string]: unknown;
}

function defOf(node: unknown): Def | undefined {
  return (node as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

function unwrap(node: unknown, value: unknown): unknown {
  for (;;) {
    const def = defOf(node);
    if (!def) return node;
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault') node = def.innerType;
    else if (def.type === 'union') {
      const options = def.options as unknown[];
      const discriminator = def.discriminator as string | undefined;
      const tag = discriminator && value && typeof value === 'object' ? (value as Record<string, unknown>)[discriminator] : undefined;
      const match = options.find((o) => {
        const shape = defOf(unwrap(o, undefined))?.shape as Record<string, unknown> | undefined;
        const lit = defOf(shape?.[discriminator ?? ''])?.values as unknown[] | undefined;
        return lit?.includes(tag);
      });
      node = match ?? options[0];
    } else return node;
  }
}

/** The accepted key closest to a typo, when it is close enough to be what was meant. */
export function nearestKey(typo: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(typo.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
