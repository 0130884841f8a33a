/**
 * The dashboard's board (lanes ui, lanes ls --watch): which column a lane stands in, from what its
 * record says. Pure: the same answer for the page, the terminal board and the notifications.
 */
import type { AgentState, LaneLifecycle, LaneValidation } from './lane.js';

export const BOARD_COLUMNS = ['queued', 'working', 'needs-you', 'in-review', 'changes-requested', 'approved'] as const;
export type BoardColumn = (typeof BOARD_COLUMNS)[number];

export const BOARD_TITLES: Record<BoardColumn, string> = {
  queued: 'Queued',
  working: 'Working',
  'needs-you': 'Needs you',
  'in-review': 'In review',
  'changes-requested': 'Changes requested',
  approved: 'Approved',
};

export interface BoardFacts {
  lifecycle: LaneLifecycle;
  agentState: AgentState;
  validation?: Pick<LaneValidation, 'state'> | null | undefined;
}

/**
 * A working agent wins (a fix in progress is work, not a request); then what validation says; then
 * what the agent left: waiting for input or failed needs a person, done waits for review.
 */
export function boardColumn(lane: BoardFacts): BoardColumn {
  if (lane.lifecycle === 'creating') return 'queued';
  if (lane.agentState === 'starting' || lane.agentState === 'running') return 'working';
  if (lane.agentState === 'waiting') return 'needs-you';
  switch (lane.validation?.state) {
    case 'approved':
      return 'approved';
    case 'needs-you':
    case 'review-failed':
      return 'needs-you';
    case 'changes-requested':
    case 'fixing':
      return 'changes-requested';
    case 'pr-open':
    case 'reviewing':
    case 'fixed':
      return 'in-review';
    default:
      break;
  }
  if (lane.agentState === 'failed') return 'needs-you';
  if (lane.agentState === 'done') return 'in-review';
  return 'queued';
}
