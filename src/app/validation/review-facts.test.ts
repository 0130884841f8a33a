import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../infra/config-defaults.js';
import { makeRepo, type TempRepo } from '../../../test/helpers/repo.js';
import { changeFacts, diffForReview, diffSections, hunkRanges, isOutsideDiff } from './review-facts.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** A real diff from git, as lanes reads it (quotepath off). */
function realDiff(r: TempRepo, from: string, to: string): string {
  return r.git('-c', 'core.quotepath=false', 'diff', '--no-color', '--no-renames', from, to) + '\n';
}

/** A repository whose second commit adds, changes, deletes and binary-adds files with awkward names. */
function awkwardRepo(): { r: TempRepo; base: string; head: string } {
  const r = makeRepo({ files: { 'old.txt': 'gone\n', 'src/a.ts': lines(1, 30) } });
  repo = r;
  const base = r.git('rev-parse', 'HEAD');
  rmSync(join(r.root, 'old.txt'));
  r.write('src/a.ts', lines(1, 30).replace('line 5\n', 'line five\n').replace('line 25\n', 'line 25\nline 25b\n'));
  r.write('my file.txt', 'spaces\n');
  r.write('a b/c', 'tricky\n');
  r.write('tab\tname.txt', 'tab\n');
  writeFileSync(join(r.root, 'logo b.png'), Buffer.from([0, 1, 2, 3, 0, 255]));
  // A binary file has no ---/+++ lines; its name holds " b/", as the diff header's separator does.
  writeFileSync(join(r.root, 'a b/icon.png'), Buffer.from([0, 9, 8, 0]));
  const head = r.commitAll('change');
  return { r, base, head };
}

function lines(from: number, to: number): string {
  let out = '';
  for (let i = from; i <= to; i++) out += `line ${i}\n`;
  return out;
}

describe('diffSections', () => {
  it('names each file of a real diff: spaces, new, deleted, binary and quoted names', () => {
    const { r, base, head } = awkwardRepo();
    const sections = diffSections(realDiff(r, base, head));
    expect(sections.map((s) => s.path)).toEqual([
      'a b/c',
      'a b/icon.png',
      'logo b.png',
      'my file.txt',
      'old.txt',
      'src/a.ts',
      'tab\tname.txt',
    ]);
    for (const s of sections) expect(s.text.startsWith('diff --git ')).toBe(true);
    expect(sections.find((s) => s.path === 'old.txt')!.text).toContain('deleted file mode');
    expect(sections.find((s) => s.path === 'logo b.png')!.text).toContain('Binary files');
  });

  it('undoes git’s C quoting, octal bytes included', () => {
    const diff = [
      'diff --git "a/caf\\303\\251\\t\\"x\\"" "b/caf\\303\\251\\t\\"x\\""',
      'new file mode 100644',
      'Binary files /dev/null and "b/caf\\303\\251\\t\\"x\\"" differ',
      'diff --git "a/new\\nline" "b/new\\nline"',
      '--- /dev/null',
      '+++ "b/new\\nline"',
      '@@ -0,0 +1 @@',
      '+x',
      '',
    ].join('\n');
    expect(diffSections(diff).map((s) => s.path)).toEqual(['café\t"x"', 'new\nline']);
  });

  it('is empty for an empty diff and keeps the text of every section', () => {
    expect(diffSections('')).toEqual([]);
    const { r, base, head } = awkwardRepo();
    const diff = realDiff(r, base, head);
    expect(
      diffSections(diff)
        .map((s) => s.text)
        .join(''),
    ).toBe(diff);
  });
});

describe('hunkRanges', () => {
  it('reads the new-version line ranges of each file’s hunks', () => {
    const { r, base, head } = awkwardRepo();
    const ranges = hunkRanges(realDiff(r, base, head));
    // Line 5 changed and a line added after 25, with three lines of context each side.
    expect(ranges.get('src/a.ts')).toEqual([
      [2, 8],
      [23, 29],
    ]);
    expect(ranges.get('my file.txt')).toEqual([[1, 1]]);
    expect(ranges.get('logo b.png')).toEqual([]);
    // A deleted file has no new lines: its hunk is `+0,0`.
    expect(ranges.get('old.txt')).toEqual([[0, 0]]);
  });

  it('reads a hunk header without counts as one line', () => {
    const diff = 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n';
    expect(hunkRanges(diff).get('x')).toEqual([[1, 1]]);
  });
});

describe('isOutsideDiff', () => {
  const facts = {
    files: [
      { path: 'src/a.ts', insertions: 2, deletions: 1, binary: false },
      { path: 'logo.png', insertions: 0, deletions: 0, binary: true },
    ],
    hunks: new Map<string, [number, number][]>([
      ['src/a.ts', [[2, 8]]],
      ['logo.png', []],
    ]),
  };

  it('is false for a line inside a hunk, a whole-change finding and a file-level finding of a touched file', () => {
    expect(isOutsideDiff({ file: 'src/a.ts', line: 2 }, facts)).toBe(false);
    expect(isOutsideDiff({ file: 'src/a.ts', line: 8 }, facts)).toBe(false);
    expect(isOutsideDiff({ file: './src/a.ts', line: 5 }, facts)).toBe(false);
    expect(isOutsideDiff({ file: null, line: null }, facts)).toBe(false);
    expect(isOutsideDiff({ file: 'src/a.ts', line: null }, facts)).toBe(false);
    expect(isOutsideDiff({ file: 'logo.png', line: 3 }, facts)).toBe(false);
  });

  it('is true for an untouched file and for a line in no hunk', () => {
    expect(isOutsideDiff({ file: 'src/b.ts', line: null }, facts)).toBe(true);
    expect(isOutsideDiff({ file: 'src/a.ts', line: 1 }, facts)).toBe(true);
    expect(isOutsideDiff({ file: 'src/a.ts', line: 9 }, facts)).toBe(true);
  });
});

describe('diffForReview', () => {
  const section = (path: string, size: number) => {
    const head = `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n`;
    return head + '+' + 'x'.repeat(Math.max(0, size - head.length - 2)) + '\n';
  };

  it('gives the whole diff when it fits', () => {
    const diff = section('a', 100) + section('b', 100);
    expect(diffForReview(diff, Buffer.byteLength(diff))).toEqual({ mode: 'whole', text: diff });
  });

  it('otherwise gives files in order while they fit and names every other one: nothing is lost', () => {
    const paths = ['a', 'big', 'c', 'd', 'huge', 'f'];
    const sizes = [100, 500, 100, 100, 900, 50];
    const diff = paths.map((p, i) => section(p, sizes[i]!)).join('');
    const given = diffForReview(diff, 320);
    if (given.mode !== 'per-file') throw new Error('expected per-file');
    expect(given.limitBytes).toBe(320);
    expect(given.included.map((s) => s.path)).toEqual(['a', 'c', 'd']);
    expect(given.omitted).toEqual(['big', 'huge', 'f']);
    expect([...given.included.map((s) => s.path), ...given.omitted].sort()).toEqual([...paths].sort());
    expect(given.included.reduce((n, s) => n + Buffer.byteLength(s.text), 0)).toBeLessThanOrEqual(320);
    for (const s of given.included) expect(diff).toContain(s.text);
  });

  it('counts bytes, not characters', () => {
    const diff = section('a', 50).replace('+', '+ééééééééééééééééééééééééé');
    expect(diffForReview(diff, diff.length).mode).toBe('per-file');
  });

  it('names every file of a real diff with awkward names, included or omitted', () => {
    const { r, base, head } = awkwardRepo();
    const diff = realDiff(r, base, head);
    const given = diffForReview(diff, 400);
    if (given.mode !== 'per-file') throw new Error('expected per-file');
    expect([...given.included.map((s) => s.path), ...given.omitted].sort()).toEqual(
      diffSections(diff)
        .map((s) => s.path)
        .sort(),
    );
  });
});

describe('changeFacts', () => {
  const patterns = defaultConfig().validate.testPatterns;

  it('measures files and lines, binary files and names that are not UTF-8', async () => {
    const { r, base, head } = awkwardRepo();
    const latin1 = Buffer.concat([Buffer.from(join(r.root, 'caf')), Buffer.from([0xe9]), Buffer.from('.txt')]);
    writeFileSync(latin1, 'one\ntwo\n');
    const head2 = r.commitAll('latin-1 name');
    const facts = await changeFacts(r.root, { baseCommit: base, head: head2 }, patterns, {});
    expect(facts.head).toBe(head2);
    expect(head2).not.toBe(head);
    expect(facts.files).toEqual([
      { path: 'a b/c', insertions: 1, deletions: 0, binary: false },
      { path: 'a b/icon.png', insertions: 0, deletions: 0, binary: true },
      { path: 'caf\ufffd.txt', insertions: 2, deletions: 0, binary: false },
      { path: 'logo b.png', insertions: 0, deletions: 0, binary: true },
      { path: 'my file.txt', insertions: 1, deletions: 0, binary: false },
      { path: 'old.txt', insertions: 0, deletions: 1, binary: false },
      { path: 'src/a.ts', insertions: 2, deletions: 1, binary: false },
      { path: 'tab\tname.txt', insertions: 1, deletions: 0, binary: false },
    ]);
    expect(facts.testsTouched).toEqual([]);
    // Every measured file has its section in the diff, under the same name.
    expect(diffSections(facts.diffText).map((s) => s.path)).toEqual(facts.files.map((f) => f.path));
    expect([...facts.hunks.keys()]).toEqual(facts.files.map((f) => f.path));
  });

  it('finds the tests the change added or changed with the default test patterns', async () => {
    const r = makeRepo({ files: { 'test/old.test.ts': 'old\n', 'src/kept.test.ts': 'kept\n' } });
    repo = r;
    const base = r.git('rev-parse', 'HEAD');
    const tests = [
      'src/csv.test.ts',
      'lib/csv.spec.js',
      'pkg/csv_test.go',
      'test_csv.py',
      'py/tests/test_x.py',
      'test/e2e/run.ts',
      'tests/data.json',
      'web/__tests__/x.tsx',
    ];
    const notTests = ['src/testing.ts', 'src/latest/x.ts', 'contest/a.ts', 'src/test.ts', 'docs/tests.md'];
    for (const p of [...tests, ...notTests]) r.write(p, 'x\n');
    r.write('src/kept.test.ts', 'changed\n');
    rmSync(join(r.root, 'test/old.test.ts'));
    const head = r.commitAll('tests');
    const facts = await changeFacts(r.root, { baseCommit: base, head }, patterns, {});
    // A deleted test is not a test added or changed: it cannot satisfy "add or change a test".
    expect(facts.testsTouched.sort()).toEqual([...tests, 'src/kept.test.ts'].sort());
  });

  it('touches no test when there are no patterns', async () => {
    const r = makeRepo();
    repo = r;
    const base = r.git('rev-parse', 'HEAD');
    mkdirSync(join(r.root, 'test'));
    r.write('test/a.test.ts', 'x\n');
    const head = r.commitAll('t');
    expect((await changeFacts(r.root, { baseCommit: base, head }, [], {})).testsTouched).toEqual([]);
  });
});
