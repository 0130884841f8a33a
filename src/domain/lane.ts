import type { IssueRef } from './issue.js';

/** Lifecycle phase of a lane. Later phases (plan, implement, pr, review, fix) extend this. */
export type LanePhase = 'creating' | 'ready' | 'removing' | 'plan' | 'implement' | 'fix' | 'pr' | 'review' | 'done' | 'failed';

export type AgentState = 'none' | 'starting' | 'running' | 'waiting' | 'done' | 'failed' | 'stopped';

export interface LaneDatabase {
  provider: string;
  name: string;
  url: string;
  /** Provider-specific handle needed to delete the branch (e.g. a Neon branch id). */
  handle?: string | undefined;
}

export interface CopiedFile {
  path: string;
  /** sha256 of the content as copied; a different hash at removal means the user edited it. */
  sha256: string;
}

export interface LaneRecord {
  name: string;
  issue: IssueRef;
  branch: string;
  base: string;
  /** The commit the branch was created from. */
  baseCommit: string;
  path: string;
  ports: Record<string, number>;
  database: LaneDatabase | null;
  envFile: string;
  copiedFiles: CopiedFile[];
  phase: LanePhase;
  agentState: AgentState;
  createdAt: string;
  /** The id of git's admin folder for the worktree (`.git/worktrees/<id>`): it follows a `git worktree move`. */
  worktreeId?: string | undefined;
}
