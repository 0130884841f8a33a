import { describe, expect, it } from 'vitest';
import { editDistance, nearest } from './nearest.js';

describe('nearest', () => {
  it('suggests the accepted word one or two edits away', () => {
    expect(nearest('claud', ['claude', 'codex', 'gemini'])).toBe('claude');
    expect(nearest('Gemnii', ['claude', 'codex', 'gemini'])).toBe('gemini');
    expect(nearest('codx', ['claude', 'codex'])).toBe('codex');
  });

  it('suggests nothing for a word unlike every accepted one', () => {
    expect(nearest('vim', ['claude', 'codex', 'gemini', 'opencode'])).toBeUndefined();
    expect(nearest('x', [])).toBeUndefined();
  });

  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
