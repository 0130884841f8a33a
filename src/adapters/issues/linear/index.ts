/**
 * Linear issues through @linear/sdk. The SDK's model objects fetch labels, state and assignee
 * lazily, one request each; a listing would cost a request per issue and field. So the source
 * sends its own GraphQL documents through the SDK's client (`rawRequest`: same authentication,
 * same error types) and asks for everything an issue needs in one round trip, a page at a time.
 * `issues.team` is the team key (`ENG`); a bare number `42` means `ENG-42`.
 */
import { LinearClient, LinearError, LinearErrorType, RatelimitedLinearError } from '@linear/sdk';
import { InputError, LanesError, ToolError } from '../../../domain/errors.js';
import { acceptanceCriteriaFromMarkdown, type Issue } from '../../../domain/issue.js';
import { trackerIssueKey } from '../../../domain/issue-ref.js';
import type { IssueFilter, IssueSource } from '../../../contracts/issue-source.js';
import {
  displayUrl,
  rateLimitDelayMs,
  requestSignal,
  transportFailure,
  withRateLimit,
  type TrackerRuntime,
} from '../tracker-http.js';

export const DEFAULT_LIST_LIMIT = 100;
const DEFAULT_API_URL = 'https://api.linear.app/graphql';

export interface LinearSourceOptions {
  /** Team key, e.g. ENG. Without it every team's issues are listed and accepted. */
  team?: string | undefined;
  apiUrl?: string | undefined;
  env: Record<string, string | undefined>;
  runtime?: TrackerRuntime;
}

const ISSUE_FIELDS = `
  id
  identifier
  title
  description
  url
  state { name type }
  assignee { name displayName email }
  labels(first: 50) { nodes { name } }
  team { key }
`;

export const ISSUE_QUERY = `query LanesIssue($id: String!) {
  issue(id: $id) {${ISSUE_FIELDS}}
}`;

export const ISSUES_QUERY = `query LanesIssues($first: Int!, $after: String, $filter: IssueFilter) {
  issues(first: $first, after: $after, filter: $filter, orderBy: updatedAt) {
    nodes {${ISSUE_FIELDS}}
    pageInfo { hasNextPage endCursor }
  }
}`;

export const COMMENT_MUTATION = `mutation LanesComment($input: CommentCreateInput!) {
  commentCreate(input: $input) { success }
}`;

export const STATES_QUERY = `query LanesStates($filter: WorkflowStateFilter) {
  workflowStates(first: 50, filter: $filter) { nodes { id name team { key } } }
}`;

export const UPDATE_MUTATION = `mutation LanesMove($id: String!, $input: IssueUpdateInput!) {
  issueUpdate(id: $id, input: $input) { success }
}`;

interface LinearIssuePayload {
  id: string;
  identifier: string;
  title: string;
  description?: string | null;
  url: string;
  state?: { name: string; type: string } | null;
  assignee?: { name?: string | null; displayName?: string | null; email?: string | null } | null;
  labels?: { nodes: { name: string }[] } | null;
  team?: { key: string } | null;
}

// Linear's workflow state types; completed and canceled are what other trackers call closed.
const CLOSED_TYPES = ['completed', 'canceled'];

export function linearIssueSource(opts: LinearSourceOptions): IssueSource {
  const apiUrl = opts.apiUrl ?? DEFAULT_API_URL;
  const team = opts.team?.toUpperCase();

  function requireKey(): string {
    const key = opts.env.LINEAR_API_KEY?.trim();
    if (!key)
      throw new InputError('Linear needs an API key: set LINEAR_API_KEY', {
        hint: 'create a personal API key at https://linear.app/settings/account/security',
      });
    return key;
  }

  async function request<T>(
    what: string,
    query: string,
    variables: Record<string, unknown>,
    signal: AbortSignal | undefined,
    onError?: (err: LinearError) => LanesError | undefined,
  ): Promise<T> {
    const apiKey = requireKey();
    try {
      return await withRateLimit(
        'Linear',
        async () => {
          // A client per request: the SDK takes its AbortSignal at construction, and each request needs its own
          // deadline.
          const client = new LinearClient({ apiKey, apiUrl, signal: requestSignal(signal, opts.runtime?.timeoutMs) });
          const res = await client.client.rawRequest<T, Record<string, unknown>>(query, variables);
          return res.data as T;
        },
        linearRateLimitDelay,
        { ...opts.runtime, signal },
      );
    } catch (err) {
      throw linearFailure(err, what, apiUrl, signal, onError, opts.runtime?.timeoutMs);
    }
  }

  return {
    name: 'linear',
    async getIssue(ref, signal) {
      const key = trackerIssueKey(ref, { tracker: 'linear', prefix: team });
      const notFound = () =>
        new InputError(`unknown issue ${JSON.stringify(ref)}: Linear has no issue ${key}`, {
          hint: 'lanes issues lists the open issues',
        });
      const data = await request<{ issue: LinearIssuePayload | null }>(
        `issue ${key}`,
        ISSUE_QUERY,
        { id: key },
        signal,
        (err) => (err.type === LinearErrorType.InvalidInput || /not found/i.test(err.message) ? notFound() : undefined),
      );
      if (!data.issue) throw notFound();
      return toIssue(data.issue);
    },
    async listIssues(filter: IssueFilter, signal) {
      const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
      const out: Issue[] = [];
      let after: string | null = null;
      for (;;) {
        const page: {
          issues: { nodes: LinearIssuePayload[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
        } = await request(
          'the issue list',
          ISSUES_QUERY,
          { first: Math.min(100, limit - out.length), after, filter: linearIssueFilter(filter, team) },
          signal,
        );
        for (const node of page.issues.nodes) {
          out.push(toIssue(node));
          if (out.length >= limit) return out;
        }
        if (!page.issues.pageInfo.hasNextPage || !page.issues.pageInfo.endCursor) return out;
        after = page.issues.pageInfo.endCursor;
      }
    },
    async comment(issue, text, signal) {
      const res = await request<{ commentCreate: { success: boolean } }>(
        `a comment on ${issue.id}`,
        COMMENT_MUTATION,
        { input: { issueId: issue.id, body: text } },
        signal,
      );
      if (!res.commentCreate.success) throw new ToolError(`Linear did not create the comment on ${issue.id}`);
    },
    async moveIssue(issue, state, signal) {
      const teamKey = issue.key?.split('-')[0] ?? team;
      const states = await request<{ workflowStates: { nodes: { id: string; name: string }[] } }>(
        `the workflow states of ${teamKey}`,
        STATES_QUERY,
        { filter: { name: { eqIgnoreCase: state }, ...(teamKey ? { team: { key: { eq: teamKey } } } : {}) } },
        signal,
      );
      const target = states.workflowStates.nodes[0];
      if (!target)
        throw new InputError(
          `issues.writeBack.moveTo ${JSON.stringify(state)}: Linear team ${teamKey} has no workflow state of that name`,
        );
      const res = await request<{ issueUpdate: { success: boolean } }>(
        `moving ${issue.id}`,
        UPDATE_MUTATION,
        { id: issue.id, input: { stateId: target.id } },
        signal,
      );
      if (!res.issueUpdate.success) throw new ToolError(`Linear did not move ${issue.id} to ${state}`);
    },
  };
}

/** The GraphQL IssueFilter for a listing. */
export function linearIssueFilter(filter: IssueFilter, team: string | undefined): Record<string, unknown> {
  const and: Record<string, unknown>[] = [];
  if (team) and.push({ team: { key: { eq: team } } });
  const state = filter.state ?? 'open';
  if (state === 'open') and.push({ state: { type: { nin: CLOSED_TYPES } } });
  if (state === 'closed') and.push({ state: { type: { in: CLOSED_TYPES } } });
  if (filter.label) and.push({ labels: { some: { name: { eqIgnoreCase: filter.label } } } });
  if (filter.assignee) {
    const a = filter.assignee;
    and.push({
      assignee:
        a === 'me'
          ? { isMe: { eq: true } }
          : a.includes('@')
            ? { email: { eqIgnoreCase: a } }
            : { or: [{ displayName: { eqIgnoreCase: a } }, { name: { eqIgnoreCase: a } }] },
    });
  }
  if (filter.search)
    and.push({
      or: [{ title: { containsIgnoreCase: filter.search } }, { description: { containsIgnoreCase: filter.search } }],
    });
  return and.length === 1 ? and[0]! : { and };
}

function toIssue(node: LinearIssuePayload): Issue {
  const body = node.description ?? '';
  return {
    id: node.identifier,
    key: node.identifier,
    title: node.title,
    body,
    labels: (node.labels?.nodes ?? []).map((l) => l.name),
    state: node.state && CLOSED_TYPES.includes(node.state.type) ? 'closed' : 'open',
    assignee: node.assignee
      ? (node.assignee.displayName ?? node.assignee.name ?? node.assignee.email ?? undefined)
      : undefined,
    acceptanceCriteria: acceptanceCriteriaFromMarkdown(body),
    source: 'linear',
    url: node.url,
  };
}

export function linearRateLimitDelay(err: unknown): number | undefined {
  if (!(err instanceof RatelimitedLinearError)) return undefined;
  // The complexity budget resets too; wait for whichever window the server names.
  return (
    rateLimitDelayMs({
      retryAfter: err.retryAfter === undefined ? undefined : String(err.retryAfter),
      resetAt: err.requestsResetAt ?? err.complexityResetAt,
    }) ?? 1000
  );
}

function linearFailure(
  err: unknown,
  what: string,
  apiUrl: string,
  signal: AbortSignal | undefined,
  onError: ((err: LinearError) => LanesError | undefined) | undefined,
  timeoutMs: number | undefined,
): LanesError {
  const transport = transportFailure('Linear', displayUrl(apiUrl), err, signal, timeoutMs);
  if (transport) return transport;
  if (err instanceof LinearError) {
    const special = onError?.(err);
    if (special) return special;
    const detail = err.errors?.[0]?.message ?? err.message.split(':')[0] ?? '';
    if (err.type === LinearErrorType.AuthenticationError || err.status === 401) {
      return new InputError(`Linear rejected the API key from LINEAR_API_KEY (${detail})`, {
        hint: 'create a new personal API key at https://linear.app/settings/account/security',
        cause: err,
      });
    }
    if (err.type === LinearErrorType.NetworkError)
      return new ToolError(`cannot reach Linear at ${displayUrl(apiUrl)}: ${detail}`, { cause: err });
    return new ToolError(`Linear failed on ${what}${err.status ? ` (${err.status})` : ''}: ${detail}`, { cause: err });
  }
  return new ToolError(
    `Linear request for ${what} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    { cause: err },
  );
}
