import { describe, expect, it } from 'vitest';
import { costOf, normalizeModelName, priceFor } from './pricing.js';

describe('price table', () => {
  it('matches provider-prefixed, dated and versioned names to the longest known prefix', () => {
    expect(normalizeModelName('anthropic/claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(priceFor('anthropic/claude-sonnet-4-5-20250929')).toEqual(priceFor('claude-sonnet-4'));
    expect(priceFor('gpt-5-mini')?.input).toBe(0.25);
    expect(priceFor('gpt-5-codex')?.input).toBe(1.25);
    expect(priceFor('gpt-5.1-codex')?.input).toBe(1.25);
    expect(priceFor('gemini-2.5-flash-lite')?.input).toBe(0.1);
    expect(priceFor('claude-opus-4-5')?.input).toBe(5);
    expect(priceFor('claude-opus-4-1')?.input).toBe(15);
  });

  it('does not price a model by a prefix that stops mid-word', () => {
    expect(priceFor('o3x')).toBeUndefined();
    expect(priceFor('my-local-llama')).toBeUndefined();
  });

  it('prices input, output, cache reads and writes separately', () => {
    const usage = { input: 1_000_000, output: 1_000_000, cacheRead: 1_000_000, cacheWrite: 1_000_000 };
    expect(costOf(usage, 'claude-sonnet-4-5')).toBeCloseTo(3 + 15 + 0.3 + 3.75, 10);
    // No write surcharge known: cache writes cost input.
    expect(costOf(usage, 'gpt-5')).toBeCloseTo(1.25 + 10 + 0.125 + 1.25, 10);
    expect(costOf(usage, 'unknown-model')).toBeUndefined();
  });

  it('takes a custom table', () => {
    expect(
      costOf({ input: 2_000_000, output: 0, cacheRead: 0, cacheWrite: 0 }, 'house-model-v2', {
        'house-model': { input: 1, output: 2 },
      }),
    ).toBe(2);
  });
});
