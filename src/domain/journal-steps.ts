/**
 * The steps lanes journals while it builds or removes a lane, so a failure, Ctrl-C or a killed
 * process can be undone or finished (lane-steps.ts, remove-lane.ts, lanes doctor). One kind per
 * step, each with its own data; the journal is read back through `parseJournalStep`, which
 * rejects a kind it does not know (a row from another lanes version) or data of the wrong shape.
 */
export type JournalStep =
  /** The worktree and its branch, created from `baseCommit`. */
  | { step: 'worktree'; data: { path: string; branch: string; baseCommit: string } }
  /** The lane's database branch (a DbBranch: name, url, provider handle). */
  | { step: 'database'; data: { name: string; url: string; handle?: string | undefined } }
  /** The folder dependencies are cloned into while the worktree is checked out. */
  | { step: 'dependency-staging'; data: { dir: string } }
  /** Dependency folders (relative to `path`) the lane did not hold before they were copied in. */
  | { step: 'dependencies'; data: { path: string; dirs: string[] } }
  /** A worktree moved aside by a removal, to be deleted. */
  | { step: 'trash'; data: { dir: string } }
  /** A removal past its checks, as it was asked: a killed one is finished the same way. */
  | { step: 'remove'; data: { force: boolean; keepBranch: boolean; backup: string | null } };

export type JournalStepKind = JournalStep['step'];
export type JournalStepData<K extends JournalStepKind> = Extract<JournalStep, { step: K }>['data'];

type Check = (data: Record<string, unknown>) => boolean;

const isString = (v: unknown): v is string => typeof v === 'string';
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const CHECKS: { [K in JournalStepKind]: Check } = {
  worktree: (d) => isString(d.path) && isString(d.branch) && isString(d.baseCommit),
  database: (d) => isString(d.name) && isString(d.url) && (d.handle === undefined || isString(d.handle)),
  'dependency-staging': (d) => isString(d.dir),
  dependencies: (d) => isString(d.path) && Array.isArray(d.dirs) && d.dirs.every(isString),
  trash: (d) => isString(d.dir),
  remove: (d) =>
    typeof d.force === 'boolean' && typeof d.keepBranch === 'boolean' && (d.backup === null || isString(d.backup)),
};

function isKind(step: string): step is JournalStepKind {
  return Object.hasOwn(CHECKS, step);
}

/** A journal row as a step, or why it is not one (an unknown kind, data of the wrong shape). */
export function parseJournalStep(
  step: string,
  data: unknown,
): { ok: true; step: JournalStep } | { ok: false; problem: string } {
  if (!isKind(step)) return { ok: false, problem: `unknown step "${step}" (written by another lanes version?)` };
  if (!isRecord(data) || !CHECKS[step](data)) {
    return { ok: false, problem: `step "${step}" has data of the wrong shape` };
  }
  // The check above is exactly the data type of this kind.
  return { ok: true, step: { step, data } as JournalStep };
}
