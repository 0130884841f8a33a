/**
 * Jira issues through jira.js. Jira Cloud speaks REST v3 (descriptions in Atlassian Document
 * Format, the enhanced search with nextPageToken); Jira Data Center speaks REST v2 (wiki markup,
 * search with startAt), chosen by `issues.apiVersion: 2`. Authentication is basic with
 * JIRA_EMAIL + JIRA_API_TOKEN (Cloud), or a bearer token from JIRA_BEARER_TOKEN / JIRA_PAT
 * (Data Center personal access tokens, OAuth access tokens). 429 and 503 answers with
 * Retry-After are waited out within a bound.
 */
import { Version2Client, Version3Client } from 'jira.js';
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
import { adfToMarkdown, textToAdf, wikiToMarkdown } from './rich-text.js';

export const DEFAULT_LIST_LIMIT = 100;
const FIELDS = ['summary', 'description', 'labels', 'status', 'assignee'];

export interface JiraSourceOptions {
  /** Site URL, e.g. https://acme.atlassian.net; JIRA_HOST when absent. */
  host?: string | undefined;
  /** Project key, e.g. PROJ. Without it every project's issues are listed and accepted. */
  project?: string | undefined;
  apiVersion?: 2 | 3 | undefined;
  env: Record<string, string | undefined>;
  runtime?: TrackerRuntime;
}

interface JiraIssuePayload {
  key: string;
  fields: {
    summary?: string;
    description?: unknown;
    labels?: string[];
    status?: { name?: string; statusCategory?: { key?: string } };
    assignee?: { displayName?: string; name?: string; emailAddress?: string } | null;
  };
}

interface JiraFailure {
  status?: number;
  message?: string;
  response?: unknown;
  cause?: { response?: { headers?: Record<string, unknown> & { get?: (name: string) => unknown }; data?: unknown } };
}

type Auth = { basic: { email: string; apiToken: string } } | { oauth2: { accessToken: string } };

/** Basic auth from JIRA_EMAIL + JIRA_API_TOKEN, else a bearer token; the error names what to set. */
export function jiraAuthentication(env: Record<string, string | undefined>): { auth: Auth; from: string } {
  const token = env.JIRA_API_TOKEN?.trim();
  const email = env.JIRA_EMAIL?.trim();
  if (token) {
    if (!email)
      throw new InputError(
        "JIRA_API_TOKEN is set but JIRA_EMAIL is not: Jira Cloud API tokens need the account's email in JIRA_EMAIL",
        { hint: 'for a Data Center personal access token set JIRA_PAT instead' },
      );
    return { auth: { basic: { email, apiToken: token } }, from: 'JIRA_EMAIL/JIRA_API_TOKEN' };
  }
  for (const name of ['JIRA_BEARER_TOKEN', 'JIRA_PAT']) {
    const value = env[name]?.trim();
    if (value) return { auth: { oauth2: { accessToken: value } }, from: name };
  }
  throw new InputError(
    'Jira needs credentials: set JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud), or JIRA_PAT / JIRA_BEARER_TOKEN (Data Center or OAuth)',
    {
      hint: 'create a Cloud API token at https://id.atlassian.com/manage-profile/security/api-tokens',
    },
  );
}

export function jiraIssueSource(opts: JiraSourceOptions): IssueSource {
  const rawHost = opts.host ?? opts.env.JIRA_HOST?.trim();
  if (!rawHost)
    throw new InputError(
      'Jira needs a site URL: set issues.host in lanes.config.json or JIRA_HOST, e.g. https://acme.atlassian.net',
    );
  let hostUrl: URL;
  try {
    hostUrl = new URL(/^https?:\/\//i.test(rawHost) ? rawHost : `https://${rawHost}`);
  } catch {
    throw new InputError(`Jira host ${JSON.stringify(rawHost)} is not a URL; expected e.g. https://acme.atlassian.net`);
  }
  const host = hostUrl.href.replace(/\/+$/, '');
  const project = opts.project?.toUpperCase();
  const version = opts.apiVersion ?? 3;

  function client(signal: AbortSignal | undefined): { jira: Version3Client | Version2Client; from: string } {
    const { auth, from } = jiraAuthentication(opts.env);
    const baseRequestConfig = { signal: requestSignal(signal, opts.runtime?.timeoutMs) };
    const config: ConstructorParameters<typeof Version3Client>[0] =
      'basic' in auth
        ? { host, authentication: auth, baseRequestConfig }
        : { host, authentication: auth, baseRequestConfig };
    return { jira: version === 2 ? new Version2Client(config) : new Version3Client(config), from };
  }

  async function call<T>(
    what: string,
    signal: AbortSignal | undefined,
    fn: (jira: Version3Client | Version2Client) => Promise<T>,
    onStatus?: (status: number) => LanesError | undefined,
  ): Promise<T> {
    let from = 'JIRA_EMAIL/JIRA_API_TOKEN';
    try {
      return await withRateLimit(
        'Jira',
        () => {
          // A client per attempt: jira.js takes the AbortSignal (and so the deadline) at construction.
          const c = client(signal);
          from = c.from;
          return fn(c.jira);
        },
        jiraRateLimitDelay,
        { ...opts.runtime, signal },
      );
    } catch (err) {
      throw jiraFailure(err, { what, host, from, signal, onStatus, timeoutMs: opts.runtime?.timeoutMs });
    }
  }

  const toIssue = (data: JiraIssuePayload): Issue => {
    const body =
      version === 2
        ? wikiToMarkdown(typeof data.fields.description === 'string' ? data.fields.description : '')
        : adfToMarkdown(data.fields.description);
    const a = data.fields.assignee;
    return {
      id: data.key,
      key: data.key,
      title: data.fields.summary ?? '',
      body,
      labels: data.fields.labels ?? [],
      state: data.fields.status?.statusCategory?.key === 'done' ? 'closed' : 'open',
      assignee: a ? (a.displayName ?? a.name ?? a.emailAddress) : undefined,
      acceptanceCriteria: acceptanceCriteriaFromMarkdown(body),
      source: 'jira',
      url: `${host}/browse/${data.key}`,
    };
  };

  return {
    name: 'jira',
    async getIssue(ref, signal) {
      const key = trackerIssueKey(ref, { tracker: 'jira', prefix: project, webHost: hostUrl.host });
      const data = await call<unknown>(
        `issue ${key}`,
        signal,
        (jira) =>
          jira instanceof Version3Client
            ? jira.issues.getIssue({ issueIdOrKey: key, fields: FIELDS })
            : jira.issues.getIssue({ issueIdOrKey: key, fields: FIELDS }),
        (status) =>
          status === 404
            ? new InputError(
                `unknown issue ${JSON.stringify(ref)}: Jira at ${displayUrl(host)} has no issue ${key} (or the account cannot see it)`,
                { hint: 'lanes issues lists the open issues' },
              )
            : undefined,
      );
      return toIssue(data as JiraIssuePayload);
    },
    async listIssues(filter: IssueFilter, signal) {
      const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
      const jql = jiraJql(filter, project);
      const out: Issue[] = [];
      let nextPageToken: string | undefined;
      for (;;) {
        const maxResults = Math.min(100, limit - out.length);
        const search = (jira: Version3Client | Version2Client): Promise<unknown> =>
          jira instanceof Version3Client
            ? jira.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql, fields: FIELDS, maxResults, nextPageToken })
            : jira.issueSearch.searchForIssuesUsingJql({ jql, fields: FIELDS, maxResults, startAt: out.length });
        const badQuery = (status: number) =>
          status === 400
            ? new InputError(`Jira refused the search ${JSON.stringify(jql)}; check issues.project and the filters`)
            : undefined;
        const page = (await call('the issue list', signal, search, badQuery)) as {
          issues?: JiraIssuePayload[];
          nextPageToken?: string;
          isLast?: boolean;
          total?: number;
        };
        const issues = page.issues ?? [];
        for (const item of issues) {
          out.push(toIssue(item));
          if (out.length >= limit) return out;
        }
        if (version === 2) {
          if (issues.length === 0 || (page.total !== undefined && out.length >= page.total)) return out;
        } else {
          if (page.isLast !== false || !page.nextPageToken) return out;
          nextPageToken = page.nextPageToken;
        }
      }
    },
    async comment(issue, text, signal) {
      await call(`a comment on ${issue.id}`, signal, (jira) =>
        jira instanceof Version3Client
          ? jira.issueComments.addComment({ issueIdOrKey: issue.id, comment: textToAdf(text) })
          : jira.issueComments.addComment({ issueIdOrKey: issue.id, comment: text }),
      );
    },
    async moveIssue(issue, state, signal) {
      const { transitions = [] } = await call<{
        transitions?: { id?: string; name?: string; to?: { name?: string } }[];
      }>(`the transitions of ${issue.id}`, signal, (jira) =>
        jira instanceof Version3Client
          ? jira.issues.getTransitions({ issueIdOrKey: issue.id })
          : jira.issues.getTransitions({ issueIdOrKey: issue.id }),
      );
      const wanted = state.trim().toLowerCase();
      const t =
        transitions.find((x) => x.to?.name?.toLowerCase() === wanted) ??
        transitions.find((x) => x.name?.toLowerCase() === wanted);
      if (!t?.id) {
        const names = transitions
          .map((x) => x.to?.name ?? x.name)
          .filter(Boolean)
          .join(', ');
        throw new InputError(
          `issues.writeBack.moveTo ${JSON.stringify(state)}: ${issue.id} cannot move there now; available: ${names || 'none'}`,
        );
      }
      await call<unknown>(`moving ${issue.id}`, signal, (jira) =>
        jira instanceof Version3Client
          ? jira.issues.doTransition({ issueIdOrKey: issue.id, transition: { id: t.id } })
          : jira.issues.doTransition({ issueIdOrKey: issue.id, transition: { id: t.id } }),
      );
    },
  };
}

function jqlString(value: string): string {
  return `"${value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\r\n]+/g, ' ')}"`;
}

/** The JQL for a listing: project, state category, label, assignee and text, newest first. */
export function jiraJql(filter: IssueFilter, project: string | undefined): string {
  const clauses: string[] = [];
  if (project) clauses.push(`project = ${jqlString(project)}`);
  const state = filter.state ?? 'open';
  if (state === 'open') clauses.push('statusCategory != Done');
  if (state === 'closed') clauses.push('statusCategory = Done');
  if (filter.label) clauses.push(`labels = ${jqlString(filter.label)}`);
  if (filter.assignee)
    clauses.push(filter.assignee === 'me' ? 'assignee = currentUser()' : `assignee = ${jqlString(filter.assignee)}`);
  if (filter.search) clauses.push(`text ~ ${jqlString(filter.search)}`);
  return `${clauses.join(' AND ')} ORDER BY updated DESC`.trim();
}

function header(err: JiraFailure, name: string): string | undefined {
  const headers = err.cause?.response?.headers;
  if (!headers) return undefined;
  const value = typeof headers.get === 'function' ? headers.get(name) : headers[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

export function jiraRateLimitDelay(err: unknown): number | undefined {
  const e = err as JiraFailure;
  if (e?.status !== 429 && e?.status !== 503) return undefined;
  const retryAfter = header(e, 'retry-after');
  // Jira Cloud names the reset as an ISO timestamp in X-RateLimit-Reset.
  const delay = rateLimitDelayMs({ retryAfter: retryAfter ?? header(e, 'x-ratelimit-reset') });
  if (delay !== undefined) return delay;
  return e.status === 429 ? 5_000 : undefined;
}

function jiraFailure(
  err: unknown,
  ctx: {
    what: string;
    host: string;
    from: string;
    signal: AbortSignal | undefined;
    onStatus: ((status: number) => LanesError | undefined) | undefined;
    timeoutMs: number | undefined;
  },
): LanesError {
  const transport = transportFailure('Jira', displayUrl(ctx.host), err, ctx.signal, ctx.timeoutMs);
  if (transport) return transport;
  const e = err as JiraFailure;
  if (typeof e?.status === 'number' && e.status >= 400) {
    const special = ctx.onStatus?.(e.status);
    if (special) return special;
    const detail = jiraErrorDetail(e);
    if (e.status === 401)
      return new InputError(`Jira rejected the credentials from ${ctx.from} (401${detail ? `: ${detail}` : ''})`, {
        hint: 'check the email and API token, or create a new token',
        cause: err,
      });
    if (e.status === 403)
      return new ToolError(
        `Jira refused ${ctx.what} (403${detail ? `: ${detail}` : ''}); the account from ${ctx.from} may lack permission`,
        { cause: err },
      );
    return new ToolError(`Jira failed on ${ctx.what} (${e.status}${detail ? `: ${detail}` : ''})`, { cause: err });
  }
  return new ToolError(
    `Jira request for ${ctx.what} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    { cause: err },
  );
}

/** Jira's error body: {"errorMessages": [...], "errors": {field: message}}. */
function jiraErrorDetail(e: JiraFailure): string {
  const data = (e.cause?.response?.data ?? (e.response as { data?: unknown } | undefined)?.data) as
    { errorMessages?: string[]; errors?: Record<string, string> } | undefined;
  const messages = [...(data?.errorMessages ?? []), ...Object.values(data?.errors ?? {})];
  return (messages[0] ?? e.message ?? '').split('\n')[0]!.slice(0, 200);
}
