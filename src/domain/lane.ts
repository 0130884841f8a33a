import type { IssueRef } from './issue.js';
import { isRunPhase, type RunPhase } from './phases.js';

/**
 * Where the lane itself is: being made (its pid and journal in the state say by whom) or made.
 * Removal is not a lifecycle state: a lane being removed is held by the remover's operation and
 * its record is forgotten first.
 */
export const LANE_LIFECYCLES = ['creating', 'ready'] as const;
export type LaneLifecycle = (typeof LANE_LIFECYCLES)[number];

export const AGENT_STATES = ['none', 'starting', 'running', 'waiting', 'done', 'failed', 'stopped'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/**
 * Where the lane stands in validation (lanes pr, review, fix, run --until approve), beside its
 * agent state: `fixed` has answered its findings and waits for the next review; `needs-you` is a
 * lane the round limit stopped or that a person must look at.
 */
export const VALIDATION_STATES = [
  'pr-open',
  'reviewing',
  'review-failed',
  'changes-requested',
  'fixing',
  'fixed',
  'approved',
  'needs-you',
] as const;
export type ValidationState = (typeof VALIDATION_STATES)[number];

export interface LaneValidation {
  state: ValidationState;
  /** The review round the state belongs to (0 before the first review). */
  round: number;
  /** Why, for failed and needs-you states: one line. */
  reason: string | null;
  updatedAt: string;
}

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
  lifecycle: LaneLifecycle;
  /** The phase the lane's latest agent run works on; null before any agent started. */
  agentPhase: RunPhase | null;
  agentState: AgentState;
  createdAt: string;
  /** The id of git's admin folder for the worktree (`.git/worktrees/<id>`): it follows a `git worktree move`. */
  worktreeId?: string | undefined;
  /** Set once validation starts (lanes pr or review); absent before. */
  validation?: LaneValidation | undefined;
}

/**
 * The lane's phase as `lanes ls` and `--json` show it (the SPEC's `phase`): its lifecycle while it
 * is being made, then the phase its agent works on, or `ready` before any agent started.
 */
export function lanePhase(lane: Pick<LaneRecord, 'lifecycle' | 'agentPhase'>): string {
  return lane.lifecycle === 'ready' && lane.agentPhase !== null ? lane.agentPhase : lane.lifecycle;
}

/**
 * A lane record as stored (JSON in the state), including records written before lifecycle and
 * agent phase were separate fields: those had one `phase` holding either (`creating`, `ready`,
 * an agent phase, or `failed` for an agent that could not start).
 */
export function laneRecordFromStored(data: unknown): LaneRecord {
  const stored = data as LaneRecord & { phase?: string };
  if (stored.lifecycle !== undefined) return stored;
  const { phase, ...rest } = stored;
  return {
    ...rest,
    lifecycle: phase === 'creating' ? 'creating' : 'ready',
    agentPhase: phase !== undefined && isRunPhase(phase) ? phase : null,
  };
}
