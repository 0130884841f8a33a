/**
 * What lanes measures about a change before a reviewer sees it, from git alone: the commits (base
 * and head), the files and lines touched, whether tests were touched (git matches the configured
 * globs as pathspecs), the lines a review comment can sit on, the diff (whole, or file by file
 * within a size limit) and the rules files as they are on the base.
 */
import { InputError } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import type { ChangedFile, DiffForReview } from '../../domain/review-prompt.js';
import { git, gitBytes, splitNul, type GitOptions } from '../../infra/git.js';

export const RULES_FILES = ['CLAUDE.md', 'AGENTS.md', 'GEMINI.md'];

export interface ChangeFacts {
  baseCommit: string;
  head: string;
  files: ChangedFile[];
  testsTouched: string[];
  /** Per file, the new-version line ranges the diff shows (hunks with their context). */
  hunks: Map<string, [number, number][]>;
  diffText: string;
}

/** The lane's head and the commit its diff starts from (the merge base with its base branch). */
export async function laneCommits(
  repoRoot: string,
  lane: LaneRecord,
  opts: GitOptions,
): Promise<{ head: string; baseCommit: string }> {
  const head = await revParse(repoRoot, `refs/heads/${lane.branch}`, opts);
  if (!head) throw new InputError(`lane ${lane.name}: its branch ${lane.branch} does not exist`);
  const baseTip = (await revParse(repoRoot, lane.base, opts)) ?? lane.baseCommit;
  const mergeBase = await git(repoRoot, ['merge-base', head, baseTip], { ...opts, check: false });
  const baseCommit = mergeBase.exitCode === 0 ? mergeBase.stdout.trim() : lane.baseCommit;
  return { head, baseCommit };
}

async function revParse(cwd: string, ref: string, opts: GitOptions): Promise<string | undefined> {
  const res = await git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { ...opts, check: false });
  return res.exitCode === 0 ? res.stdout.trim() : undefined;
}

export async function changeFacts(
  repoRoot: string,
  commits: { head: string; baseCommit: string },
  testPatterns: readonly string[],
  opts: GitOptions,
): Promise<ChangeFacts> {
  const { head, baseCommit } = commits;
  const range = [baseCommit, head];
  const [numstat, tests, diff] = await Promise.all([
    gitBytes(repoRoot, ['diff', '--numstat', '-z', '--no-renames', ...range], opts),
    testPatterns.length === 0
      ? Promise.resolve(undefined)
      : gitBytes(
          repoRoot,
          // Deleted tests are not tests added or changed (d: every status but deleted).
          [
            'diff',
            '--name-only',
            '-z',
            '--no-renames',
            '--diff-filter=d',
            ...range,
            '--',
            ...testPatterns.map((p) => `:(glob)${p}`),
          ],
          opts,
        ),
    git(repoRoot, ['diff', '--no-color', '--no-ext-diff', '--no-renames', ...range], { ...opts, timeoutMs: 300_000 }),
  ]);
  const files: ChangedFile[] = splitNul(numstat.stdout).flatMap((entry) => {
    const text = entry.toString('utf8');
    const [ins, del, ...rest] = text.split('\t');
    const path = rest.join('\t');
    if (!path) return [];
    const binary = ins === '-' || del === '-';
    return [{ path, insertions: binary ? 0 : Number(ins), deletions: binary ? 0 : Number(del), binary }];
  });
  const testsTouched = tests ? splitNul(tests.stdout).map((b) => b.toString('utf8')) : [];
  return { baseCommit, head, files, testsTouched, hunks: hunkRanges(diff.stdout), diffText: diff.stdout };
}

/** The diff split per file: `diff --git` sections, keyed by the new path (`+++ b/…`, else `a/…`). */
export function diffSections(diffText: string): { path: string; text: string }[] {
  const sections = diffText.split(/^(?=diff --git )/m).filter((s) => s.startsWith('diff --git '));
  return sections.map((text) => ({ path: sectionPath(text), text }));
}

function sectionPath(section: string): string {
  const plus = /^\+\+\+ (b\/.*|"b\/.*")$/m.exec(section);
  if (plus) return headerPath(plus[1]!);
  const minus = /^--- (a\/.*|"a\/.*")$/m.exec(section);
  if (minus) return headerPath(minus[1]!);
  // No ---/+++ lines (a binary file, a mode change, an empty new file): the `diff --git` line. Without
  // renames both names are the same, so the path is its middle even when it holds " b/".
  const header = /^diff --git (.*)$/m.exec(section)?.[1] ?? '';
  if (header.startsWith('"')) {
    const quoted = /^("(?:[^"\\]|\\.)*") /.exec(header);
    return quoted ? headerPath(quoted[1]!) : '';
  }
  const half = (header.length - 1) / 2;
  if (Number.isInteger(half) && header.slice(0, half).slice(2) === header.slice(half + 3)) return header.slice(2, half);
  const split = /^a\/(.*?) b\//.exec(header);
  return split ? split[1]! : '';
}

/** A path of a diff header line without its `a/` or `b/`: git C-quotes names with special characters. */
function headerPath(raw: string): string {
  // git ends a name holding a space with a tab (for patch(1)); a quoted name never has one.
  const text = raw.startsWith('"') ? unquoteC(raw.replace(/\t$/, '')) : raw.replace(/\t$/, '');
  return text.replace(/^[ab]\//, '');
}

/** Undoes git's C-style quoting ("a\tb", "\303\251" octal bytes), reading the bytes as UTF-8. */
function unquoteC(quoted: string): string {
  const body = quoted.slice(1, -1);
  const bytes: number[] = [];
  const named: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = body[i + 1] ?? '';
    const octal = /^[0-3][0-7]{2}/.exec(body.slice(i + 1));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else {
      bytes.push(named[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** New-version line ranges per file from the diff's hunk headers (`@@ -a,b +c,d @@`). */
export function hunkRanges(diffText: string): Map<string, [number, number][]> {
  const ranges = new Map<string, [number, number][]>();
  for (const { path, text } of diffSections(diffText)) {
    const list: [number, number][] = [];
    for (const m of text.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)) {
      const start = Number(m[1]);
      const count = m[2] === undefined ? 1 : Number(m[2]);
      list.push([start, Math.max(start, start + count - 1)]);
    }
    ranges.set(path, list);
  }
  return ranges;
}

/** Whether a finding's place is outside what the diff shows (its file untouched, or its line in no hunk). */
export function isOutsideDiff(
  finding: { file: string | null; line: number | null },
  facts: Pick<ChangeFacts, 'files' | 'hunks'>,
): boolean {
  if (finding.file === null) return false;
  const file = finding.file.replace(/^\.\//, '');
  if (!facts.files.some((f) => f.path === file)) return true;
  if (finding.line === null) return false;
  const ranges = facts.hunks.get(file);
  if (!ranges || ranges.length === 0) return false;
  return !ranges.some(([a, b]) => finding.line! >= a && finding.line! <= b);
}

/**
 * The diff as the reviewer gets it: whole when it fits in `limitBytes`; else file by file in the
 * diff's order while they fit, and the others named so the reviewer reads them from its checkout.
 */
export function diffForReview(diffText: string, limitBytes: number): DiffForReview {
  if (Buffer.byteLength(diffText) <= limitBytes) return { mode: 'whole', text: diffText };
  const included: { path: string; text: string }[] = [];
  const omitted: string[] = [];
  let used = 0;
  for (const section of diffSections(diffText)) {
    const size = Buffer.byteLength(section.text);
    if (used + size <= limitBytes) {
      included.push(section);
      used += size;
    } else omitted.push(section.path);
  }
  return { mode: 'per-file', limitBytes, included, omitted };
}

/** The rules files as they are on the base commit: the lane's own edits to them are part of the diff, not rules. */
export async function rulesAtBase(
  repoRoot: string,
  baseCommit: string,
  opts: GitOptions,
): Promise<{ file: string; text: string }[]> {
  const found = await Promise.all(
    RULES_FILES.map(async (file) => {
      const res = await git(repoRoot, ['show', `${baseCommit}:${file}`], { ...opts, check: false });
      return res.exitCode === 0 && res.stdout.trim() ? { file, text: res.stdout } : undefined;
    }),
  );
  return found.filter((r): r is { file: string; text: string } => r !== undefined);
}
