import { describe, expect, it } from 'vitest';
import { isBehindRemote, parsePushPorcelain } from './push-result.js';

describe('git push --porcelain', () => {
  it('reads each ref: new, fast-forward, up to date', () => {
    const out = [
      'To /tmp/remote.git',
      '*\trefs/heads/a:refs/heads/a\t[new branch]',
      ' \trefs/heads/b:refs/heads/b\t1234567..89abcde',
      '=\trefs/heads/c:refs/heads/c\t[up to date]',
      'Done',
    ].join('\n');
    expect(parsePushPorcelain(out).map((r) => [r.status, r.to])).toEqual([
      ['new', 'refs/heads/a'],
      ['updated', 'refs/heads/b'],
      ['up-to-date', 'refs/heads/c'],
    ]);
  });

  it('tells a branch behind the remote from a refusal of another kind', () => {
    const [behind, fetchFirst, hook] = parsePushPorcelain(
      [
        '!\trefs/heads/a:refs/heads/a\t[rejected] (non-fast-forward)',
        '!\trefs/heads/b:refs/heads/b\t[rejected] (fetch first)',
        '!\trefs/heads/c:refs/heads/c\t[remote rejected] (pre-receive hook declined)',
      ].join('\n'),
    );
    expect([behind, fetchFirst, hook].map((r) => r!.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect([behind, fetchFirst, hook].map((r) => isBehindRemote(r!))).toEqual([true, true, false]);
  });
});
