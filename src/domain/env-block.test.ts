import { describe, expect, it } from 'vitest';
import { BLOCK_START, readEnvBlock, removeEnvBlock, upsertEnvBlock } from './env-block.js';

describe('the env block lanes owns', () => {
  it('appends a block and keeps the rest of the file byte for byte', () => {
    const user = 'API_KEY=abc\n# comment\n';
    const out = upsertEnvBlock(user, { LANE: 'issue-1', PORT: '4299' });
    expect(out.startsWith(user)).toBe(true);
    expect(readEnvBlock(out)).toEqual({ LANE: 'issue-1', PORT: '4299' });
  });

  it('replaces only the block on rewrite', () => {
    const first = upsertEnvBlock('A=1', { PORT: '1' });
    const withTail = `${first}B=2\n`;
    const second = upsertEnvBlock(withTail, { PORT: '2', DATABASE_URL: 'postgres://x' });
    expect(second.split(BLOCK_START)).toHaveLength(2);
    expect(second).toContain('A=1\n');
    expect(second.endsWith('B=2\n')).toBe(true);
    expect(readEnvBlock(second)).toEqual({ PORT: '2', DATABASE_URL: 'postgres://x' });
    expect(removeEnvBlock(second)).toBe('A=1\nB=2\n');
  });

  it('escapes values so quotes and dollars stay literal', () => {
    const out = upsertEnvBlock('', { X: 'a "b" $(c) `d` \\e' });
    expect(readEnvBlock(out)).toEqual({ X: 'a "b" $(c) `d` \\e' });
  });
});
