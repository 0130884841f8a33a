import type { Issue } from '../domain/issue.js';

/** What write-back needs to address an issue: a lane's stored reference is enough. */
export type IssueTarget = Pick<Issue, 'id' | 'key'>;

export interface IssueFilter {
  label?: string | undefined;
  state?: 'open' | 'closed' | 'all' | undefined;
  assignee?: string | undefined;
  search?: string | undefined;
  limit?: number | undefined;
}

export interface NewIssue {
  title: string;
  body: string;
  labels: string[];
}

/** Where issues come from: local markdown files, GitHub, Linear, Jira. */
export interface IssueSource {
  readonly name: string;
  /** The issue a user's reference names (`123`, `#123`, a key or URL); InputError when unknown. */
  getIssue(ref: string, signal?: AbortSignal): Promise<Issue>;
  listIssues(filter: IssueFilter, signal?: AbortSignal): Promise<Issue[]>;
  /** Only sources that can create issues implement this. */
  addIssue?(issue: NewIssue): Promise<Issue>;
  /** Write-back: a comment (markdown) on the issue. */
  comment?(issue: IssueTarget, text: string, signal?: AbortSignal): Promise<void>;
  /** Write-back: moves the issue to a state (`issues.writeBack.moveTo`), by the tracker's own name for it. */
  moveIssue?(issue: IssueTarget, state: string, signal?: AbortSignal): Promise<void>;
}
