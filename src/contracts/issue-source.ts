import type { Issue } from '../domain/issue.js';

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
  /** Write-back: a comment on the issue. */
  comment?(issue: Issue, text: string, signal?: AbortSignal): Promise<void>;
}
