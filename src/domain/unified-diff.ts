/**
 * `git diff` output as files, hunks and numbered lines, for the dashboard's diff view (findings and
 * comments are placed on new-side line numbers). Pure; tolerant of what it does not know (binary
 * files, mode changes): such a file has no hunks.
 */

export interface DiffLine {
  kind: 'add' | 'del' | 'ctx';
  /** Line number on the base side (null for an added line). */
  old: number | null;
  /** Line number in the lane (null for a removed line). */
  new: number | null;
  text: string;
}

export interface DiffHunk {
  header: string;
  lines: DiffLine[];
}

export interface DiffFile {
  /** The path in the lane (the old path for a deleted file). */
  path: string;
  oldPath: string | null;
  status: 'added' | 'deleted' | 'modified' | 'renamed';
  binary: boolean;
  hunks: DiffHunk[];
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** Strips git's `a/` or `b/` prefix (core.quotepath=false: names arrive unquoted unless odd). */
function pathOf(text: string): string | null {
  const t = text.trim();
  if (t === '/dev/null') return null;
  const unquoted = t.startsWith('"') && t.endsWith('"') ? (JSON.parse(t) as string) : t;
  return unquoted.replace(/^[ab]\//, '');
}

export function parseUnifiedDiff(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | undefined;
  let hunk: DiffHunk | undefined;
  let oldLine = 0;
  let newLine = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      const m = /^diff --git (?:"?a\/)(.*?)"? (?:"?b\/)(.*?)"?$/.exec(line);
      file = { path: m?.[2] ?? line.slice(11), oldPath: m?.[1] ?? null, status: 'modified', binary: false, hunks: [] };
      files.push(file);
      hunk = undefined;
      continue;
    }
    if (!file) continue;
    if (!hunk) {
      if (line.startsWith('new file mode')) file.status = 'added';
      else if (line.startsWith('deleted file mode')) file.status = 'deleted';
      else if (line.startsWith('rename from ')) file.status = 'renamed';
      else if (line.startsWith('Binary files ')) file.binary = true;
      else if (line.startsWith('--- ')) file.oldPath = pathOf(line.slice(4));
      else if (line.startsWith('+++ ')) {
        const p = pathOf(line.slice(4));
        if (p !== null) file.path = p;
        else if (file.oldPath !== null) file.path = file.oldPath;
      }
    }
    const m = HUNK.exec(line);
    if (m) {
      oldLine = Number(m[1]);
      newLine = Number(m[2]);
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
      continue;
    }
    if (!hunk) continue;
    if (line.startsWith('+')) hunk.lines.push({ kind: 'add', old: null, new: newLine++, text: line.slice(1) });
    else if (line.startsWith('-')) hunk.lines.push({ kind: 'del', old: oldLine++, new: null, text: line.slice(1) });
    else if (line.startsWith(' '))
      hunk.lines.push({ kind: 'ctx', old: oldLine++, new: newLine++, text: line.slice(1) });
    // "\ No newline at end of file" and the empty last line carry no content.
  }
  if (files.length > 0)
    for (const f of files) if (f.status === 'renamed' && f.oldPath === f.path) f.status = 'modified';
  return files;
}
