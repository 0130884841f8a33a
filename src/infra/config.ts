/**
 * Loading `lanes.config.json`: parse, validate against the one schema, and turn the first problem
 * into a single line that names the file, the key and, for a typo, the nearest valid key.
 */
import type { z } from 'zod';
import { InputError } from '../domain/errors.js';
import { didYouMean, nearest } from '../domain/nearest.js';
import { AGENT_ADAPTER_NAMES } from '../adapters/agents/names.js';
import { CONFIG_FILE } from './config-file.js';
import { ConfigSchema, type Config } from './config-schema.js';

export { CONFIG_FILE };

export function parseConfig(data: unknown): Config {
  const result = ConfigSchema.safeParse(data);
  if (result.success) return requireKnownAgents(result.data);
  const issues = result.error.issues;
  const first = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  throw new InputError(describeIssue(first, data), {
    hint: 'see the JSON Schema named by "$schema" (lanes init writes it) for every key',
  });
}

/**
 * Agent names the schema cannot check on its own: `agent` and `phases.<phase>.agent` name a key
 * of `agents` or a built-in adapter. A typo here would otherwise surface only when an agent
 * starts, after lanes were made.
 */
function requireKnownAgents(config: Config): Config {
  const accepted = [...new Set([...Object.keys(config.agents), ...AGENT_ADAPTER_NAMES])];
  const named: [string, string | undefined][] = [
    ['agent', config.agent],
    ...Object.entries(config.phases).map(
      ([phase, p]) => [`phases.${phase}.agent`, p?.agent] as [string, string | undefined],
    ),
  ];
  for (const [key, name] of named) {
    if (name !== undefined && !accepted.includes(name)) {
      throw new InputError(
        `${CONFIG_FILE}: ${key} ${JSON.stringify(name)} is not a known agent${didYouMean(name, accepted)} (accepted: ${accepted.join(', ')}, or a name added under "agents")`,
      );
    }
  }
  return config;
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
  for (const segment of path)
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[String(segment)] : undefined;
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
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault')
      node = def.innerType;
    else if (def.type === 'union') {
      const options = def.options as unknown[];
      const discriminator = def.discriminator as string | undefined;
      const tag =
        discriminator && value && typeof value === 'object'
          ? (value as Record<string, unknown>)[discriminator]
          : undefined;
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
  return nearest(typo, known);
}
