/**
 * DbBranches: a lane's own branch of the app's database (implementations: src/adapters/db/).
 *
 * Contract: `create` either returns a branch that exists and is reachable at `url`, or throws
 * having made nothing (a partly made branch is removed before the error leaves). `drop` is
 * idempotent: a branch that is already gone is success. `list` returns the names of the branches
 * this repository owns (by the owner prefix in their names), so `lanes doctor` can find those
 * whose lane is gone; providers whose branches live inside the lane's worktree return none.
 * Lane names are treated as hostile input: never interpolated into SQL or URLs unescaped.
 */
export interface DbBranch {
  name: string;
  /** The lane's DATABASE_URL. */
  url: string;
  /** Provider-specific handle needed to drop it (a Neon branch id, a file path). */
  handle?: string | undefined;
}

export interface LaneTarget {
  lane: string;
  /** The lane's worktree. */
  path: string;
}

export interface DbBranches {
  /** The config's `database.provider` that chose it. */
  readonly provider: string;
  /** The branch name a lane gets; pure. */
  nameFor(lane: string): string;
  create(target: LaneTarget, signal?: AbortSignal): Promise<DbBranch>;
  drop(branch: DbBranch, signal?: AbortSignal): Promise<void>;
  list(signal?: AbortSignal): Promise<string[]>;
}
