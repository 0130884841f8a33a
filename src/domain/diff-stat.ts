/**
 * Facts about a diff from git's machine output: the numbers of `git diff --numstat -z` (files,
 * lines added and removed; a binary file counts as a file with no lines) and the new-side line
 * ranges of a patch's hunks (where GitHub accepts a line comment).
 */

export interface DiffStat {
  files: number;
  insertions: number;
  deletions: number;
}

/**
 * `git diff --numstat -z`: per file `added<TAB>deleted<TAB>path<NUL>`, or for a rename or copy
 * `added<TAB>deleted<TAB><NUL>old<NUL>new<NUL>`; `-` for the counts of a binary file.
 */
export function diffStatFromNumstat(output: string): DiffStat {
  const fields = output.split('\0');
  const stat: DiffStat = { files: 0, insertions: 0, deletions: 0 };
  for (let i = 0; i < fields.length; i++) {
    const record = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(fields[i]!);
    if (!record) continue;
    stat.files++;
    if (record[1] !== '-') stat.insertions += Number(record[1]);
    if (record[2] !== '-') stat.deletions += Number(record[2]);
    // A rename's paths follow in the next two fields.
    if (record[3] === '') i += 2;
  }
  return stat;
}

/** Inclusive line ranges of the new version of a file. */
export type LineRange = readonly [first: number, last: number];

/** The new-side ranges of a patch's hunks (`@@ -a,b +c,d @@`): context lines included, as GitHub counts them. */
export function hunkRanges(patch: string): LineRange[] {
  const ranges: LineRange[] = [];
  for (const match of patch.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)) {
    const start = Number(match[1]);
    const count = match[2] === undefined ? 1 : Number(match[2]);
    if (count > 0) ranges.push([start, start + count - 1]);
  }
  return ranges;
}

/** The range of `ranges` that holds `line`, if any. */
export function rangeHolding(ranges: readonly LineRange[], line: number): LineRange | undefined {
  return ranges.find(([first, last]) => line >= first && line <= last);
}
