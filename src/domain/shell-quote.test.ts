import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from './shell-quote.js';

describe('commands printed for pasting', () => {
  it('leave plain words alone and quote the rest', () => {
    expect(shellCommand(['cd', '/tmp/app-worktrees/issue-1'])).toBe('cd /tmp/app-worktrees/issue-1');
    expect(shellQuote("it's $(x)")).toBe(`'it'\\''s $(x)'`);
  });

  it('give back every argument byte for byte when a shell runs them', () => {
    const args = fc.sample(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0')),
      100,
    );
    const res = spawnSync('bash', ['-c', `printf '%s\\0' ${args.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(res.stdout.split('\0').slice(0, -1)).toEqual(args);
  });
});
