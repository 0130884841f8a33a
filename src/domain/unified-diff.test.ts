import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from './unified-diff.js';

describe('parseUnifiedDiff', () => {
  it('numbers lines on both sides and marks new and deleted files', () => {
    const diff = [
      'diff --git a/src/a.ts b/src/a.ts',
      'index 1..2 100644',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -3,3 +3,4 @@ function f() {',
      ' keep',
      '-old',
      '+new',
      '+added',
      ' tail',
      'diff --git a/new.md b/new.md',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/new.md',
      '@@ -0,0 +1 @@',
      '+hello',
      'diff --git a/gone.txt b/gone.txt',
      'deleted file mode 100644',
      '--- a/gone.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    const files = parseUnifiedDiff(diff);
    expect(files.map((f) => [f.path, f.status])).toEqual([
      ['src/a.ts', 'modified'],
      ['new.md', 'added'],
      ['gone.txt', 'deleted'],
    ]);
    expect(files[0]!.hunks[0]!.lines).toEqual([
      { kind: 'ctx', old: 3, new: 3, text: 'keep' },
      { kind: 'del', old: 4, new: null, text: 'old' },
      { kind: 'add', old: null, new: 4, text: 'new' },
      { kind: 'add', old: null, new: 5, text: 'added' },
      { kind: 'ctx', old: 5, new: 6, text: 'tail' },
    ]);
    expect(files[2]!.hunks[0]!.lines).toEqual([{ kind: 'del', old: 1, new: null, text: 'bye' }]);
  });
});
