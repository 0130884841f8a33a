/**
 * Default prices per model, used when an agent CLI reports tokens but no cost (Codex, Gemini CLI,
 * the command adapter). USD per million tokens, list prices of the vendors' public pages at the
 * time of writing; a config may pass its own table. A model name matches the longest key that
 * is a prefix of it after normalising (provider prefix and date suffix removed, lower case), so
 * `anthropic/claude-sonnet-4-5-20250929` and `claude-sonnet-4-5` price alike.
 */
import type { TokenUsage } from './agent-events.js';

export interface ModelPrice {
  input: number;
  output: number;
  /** Cached input read; default: input. */
  cacheRead?: number;
  /** Cache write (Anthropic); default: input. */
  cacheWrite?: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

export const DEFAULT_PRICES: PriceTable = {
  // Anthropic: cache reads 0.1x, 5-minute cache writes 1.25x of input.
  'claude-opus-4-5': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  'claude-opus-4-6': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  'claude-opus-4': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  'claude-sonnet-4': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-3-7-sonnet': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-3-5-sonnet': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-haiku-4': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  'claude-3-5-haiku': { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 },
  // OpenAI: cached input is a fraction of input; no write surcharge.
  'gpt-5': { input: 1.25, output: 10, cacheRead: 0.125 },
  'gpt-5-mini': { input: 0.25, output: 2, cacheRead: 0.025 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cacheRead: 0.005 },
  'gpt-5.1-codex-mini': { input: 0.25, output: 2, cacheRead: 0.025 },
  'codex-mini': { input: 1.5, output: 6, cacheRead: 0.375 },
  'gpt-4.1': { input: 2, output: 8, cacheRead: 0.5 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cacheRead: 0.1 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cacheRead: 0.025 },
  'gpt-4o': { input: 2.5, output: 10, cacheRead: 1.25 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cacheRead: 0.075 },
  o3: { input: 2, output: 8, cacheRead: 0.5 },
  'o4-mini': { input: 1.1, output: 4.4, cacheRead: 0.275 },
  // Google: prompts up to 200k tokens.
  'gemini-3-pro': { input: 2, output: 12, cacheRead: 0.2 },
  'gemini-2.5-pro': { input: 1.25, output: 10, cacheRead: 0.125 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cacheRead: 0.03 },
  'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cacheRead: 0.01 },
  'gemini-2.0-flash': { input: 0.1, output: 0.4, cacheRead: 0.025 },
};

/** `anthropic/claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`. */
export function normalizeModelName(model: string): string {
  const base = model.trim().toLowerCase().split('/').pop() ?? '';
  return base.replace(/-(\d{8}|latest)$/, '').replace(/\[.*\]$/, '');
}

export function priceFor(model: string, table: PriceTable = DEFAULT_PRICES): ModelPrice | undefined {
  const name = normalizeModelName(model);
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    const k = key.toLowerCase();
    // A prefix must end at a boundary: `gpt-5` prices `gpt-5-codex` but `o3` must not price `o3x`.
    if (
      (name === k || (name.startsWith(k) && /[-.:@]/.test(name.charAt(k.length)))) &&
      (!best || k.length > best.length)
    )
      best = key;
  }
  return best === undefined ? undefined : table[best];
}

/** USD for the tokens, or undefined when the model has no price. */
export function costOf(usage: TokenUsage, model: string, table: PriceTable = DEFAULT_PRICES): number | undefined {
  const p = priceFor(model, table);
  if (!p) return undefined;
  const perToken = (x: number) => x / 1_000_000;
  return (
    usage.input * perToken(p.input) +
    usage.output * perToken(p.output) +
    usage.cacheRead * perToken(p.cacheRead ?? p.input) +
    usage.cacheWrite * perToken(p.cacheWrite ?? p.input)
  );
}
