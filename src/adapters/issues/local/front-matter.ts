/**
 * Reading an issue file's front matter without loading a YAML library for the common case. The
 * simple reader accepts only lines whose YAML meaning is unambiguous: `key: value` with a plain,
 * JSON-quoted or single-quoted scalar, `key: [a, b]` with plain items, and `key:` followed by
 * `- item` lines (what `lanes issue add` writes). It answers undefined for anything else, and then
 * the `yaml` package (imported on demand) parses the text, so results and error messages are
 * always YAML's. front-matter.test.ts holds the two paths to identical results.
 */

type Scalar = string | number | boolean | null;

const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?:[ ]+(.*))?$/;
const ITEM_LINE = /^([ ]*)-[ ]+(.*)$/;
// Keys YAML would read as something other than the same string.
const RESERVED_KEYS = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', '__proto__']);
// Characters whose handling differs between YAML and JSON or between YAML versions: tabs,
// control characters, NEL, line and paragraph separators, a byte order mark, a lone CR.
const UNSAFE_CHARS = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]|\r(?!\n)/;
// Indicators that give a plain scalar's first character a special meaning.
const PLAIN_START = /^[-?:,[\]{}#&*!|>'"%@`]/;
// Every spelling YAML 1.2's core schema reads as a number; only the JSON-like ones are read here.
const CORE_NUMBER =
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const JSON_NUMBER = /^(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/;

/** The front matter as an object: the simple reader when it can, else YAML. Throws YAML's error for invalid YAML. */
export async function parseFrontMatter(text: string): Promise<Record<string, unknown>> {
  const simple = parseSimpleFrontMatter(text);
  if (simple !== undefined) return simple;
  const { parse } = await loadYaml();
  const parsed: unknown = parse(text);
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

/** The yaml package, loaded on first use. */
export async function loadYaml(): Promise<typeof import('yaml')> {
  const mod = await import('yaml');
  // Bundled, yaml's CommonJS build arrives as the default export only.
  return 'parse' in mod ? mod : (mod as unknown as { default: typeof mod }).default;
}

/** The front matter when every line is in the simple subset; undefined means "ask YAML". */
export function parseSimpleFrontMatter(text: string): Record<string, unknown> | undefined {
  if (UNSAFE_CHARS.test(text)) return undefined;
  const out: Record<string, unknown> = {};
  const lines = text.split(/\r?\n/);
  let list: { key: string; items: Scalar[]; indent: number | undefined } | undefined;
  const closeList = () => {
    if (list) out[list.key] = list.items.length > 0 ? list.items : null;
    list = undefined;
  };
  for (const raw of lines) {
    const line = raw.replace(/[ \t]+$/, '');
    // Trailing blanks: whether they belong to the value depends on YAML's scalar rules; ask YAML.
    if (line !== raw && line !== '') return undefined;
    if (line === '' || line.startsWith('#')) continue;
    if (list) {
      const item = ITEM_LINE.exec(line);
      if (item) {
        const indent = item[1]!.length;
        if (list.indent !== undefined && indent !== list.indent) return undefined;
        list.indent = indent;
        const value = scalar(item[2]!);
        if (value === undefined) return undefined;
        list.items.push(value);
        continue;
      }
      closeList();
    }
    const m = KEY_LINE.exec(line);
    if (!m) return undefined;
    const key = m[1]!;
    if (RESERVED_KEYS.has(key) || Object.hasOwn(out, key)) return undefined;
    const rest = blanksTrimmed(m[2] ?? '');
    if (rest === '') {
      list = { key, items: [], indent: undefined };
      continue;
    }
    const value = rest.startsWith('[') ? flowList(rest) : scalar(rest);
    if (value === undefined) return undefined;
    out[key] = value;
  }
  closeList();
  return out;
}

/** YAML's white space is space and tab only; String.trim would also eat U+3000, U+00A0 and the like. */
function blanksTrimmed(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** `[a, b]` with plain scalar items only. */
function flowList(text: string): Scalar[] | undefined {
  if (!text.endsWith(']')) return undefined;
  const inner = text.slice(1, -1);
  if (/[[\]{}"'#:]/.test(inner)) return undefined;
  if (blanksTrimmed(inner) === '') return [];
  const items: Scalar[] = [];
  for (const part of inner.split(',')) {
    const value = plain(blanksTrimmed(part));
    if (value === undefined) return undefined;
    items.push(value);
  }
  return items;
}

function scalar(text: string): Scalar | undefined {
  if (text.startsWith('"')) return doubleQuoted(text);
  if (text.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'$/.exec(text);
    return m ? m[1]!.replaceAll("''", "'") : undefined;
  }
  return plain(text);
}

function doubleQuoted(text: string): string | undefined {
  // JSON's escapes are a subset of YAML's, with the same meanings.
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A plain scalar resolved as YAML 1.2's core schema does, or undefined when it is not plainly one thing. */
function plain(text: string): Scalar | undefined {
  if (text === '' || PLAIN_START.test(text) || text.includes(': ') || text.includes(' #') || text.endsWith(':'))
    return undefined;
  if (text === '~' || text === 'null' || text === 'Null' || text === 'NULL') return null;
  if (text === 'true' || text === 'True' || text === 'TRUE') return true;
  if (text === 'false' || text === 'False' || text === 'FALSE') return false;
  if (CORE_NUMBER.test(text)) return JSON_NUMBER.test(text) ? Number(text) : undefined;
  return text;
}
