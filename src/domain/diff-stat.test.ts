import { describe, expect, it } from 'vitest';
import { diffStatFromNumstat, hunkRanges, rangeHolding } from './diff-stat.js';

describe('diff stat from git diff --numstat -z', () => {
  it('counts files and lines, a binary file and a rename once each', () => {
    const out = ['3\t1\tsrc/a.ts', '-\t-\tlogo.png', '2\t0\t', 'old name.ts', 'new\tname.ts', '10\t4\tb.md', ''].join(
      '\0',
    );
    expect(diffStatFromNumstat(out)).toEqual({ files: 4, insertions: 15, deletions: 5 });
  });

  it('is zero for no output', () => {
    expect(diffStatFromNumstat('')).toEqual({ files: 0, insertions: 0, deletions: 0 });
  });
});

describe('hunk ranges', () => {
  const patch = [
    'diff --git a/a.ts b/a.ts',
    '--- a/a.ts',
    '+++ b/a.ts',
    '@@ -1,3 +1,4 @@',
    ' a',
    '+b',
    '@@ -20 +21,2 @@ function f() {',
    '@@ -30,2 +32,0 @@',
    '@@ -40 +40 @@',
  ].join('\n');

  it('reads the new side of each hunk, context lines included; a pure deletion has none', () => {
    expect(hunkRanges(patch)).toEqual([
      [1, 4],
      [21, 22],
      [40, 40],
    ]);
  });

  it('finds the range holding a line', () => {
    const ranges = hunkRanges(patch);
    expect(rangeHolding(ranges, 22)).toEqual([21, 22]);
    expect(rangeHolding(ranges, 23)).toBeUndefined();
  });
});
