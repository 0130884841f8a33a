/**
 * Octokit as every GitHub adapter uses it (the issue source and the forge): the token from
 * GITHUB_TOKEN, GH_TOKEN or `gh auth token` (read at the first request, kept in memory only), a
 * deadline on every request, a rate limit GitHub announces (retry-after, or x-ratelimit-remaining 0
 * with x-ratelimit-reset) waited out within a bound and retried, and every other failure turned
 * into one line that names GitHub, the request and what to do, never the token.
 */
import { Octokit } from '@octokit/rest';
import { InputError, LanesError, ToolError } from '../../../domain/errors.js';
import { exec } from '../../../infra/exec.js';
import {
  displayUrl,
  rateLimitDelayMs,
  requestSignal,
  transportFailure,
  withRateLimit,
  type TrackerRuntime,
} from '../tracker-http.js';

export interface GithubClientOptions {
  /** REST API root: https://api.github.com (default), https://ghe.example.com/api/v3, or a test server. */
  baseUrl?: string | undefined;
  env: Record<string, string | undefined>;
  runtime?: (TrackerRuntime & { rateLimitHint?: string }) | undefined;
  /** What the token is needed for, in the hint of the "no token" error. */
  tokenHint: string;
}

/**
 * How a caller words the failure of one status for one request (`cause` is Octokit's error, to keep
 * as the LanesError's cause); undefined keeps the general message.
 */
export type StatusMessage = (status: number, detail: string, cause: unknown) => LanesError | undefined;

export interface GithubClient {
  /** The API root without a trailing slash. */
  readonly apiUrl: string;
  /** The web host (github.com for api.github.com). */
  readonly webHost: string;
  /** Runs `fn` with an Octokit whose every request has the deadline and the rate-limit wait. */
  call<T>(
    what: string,
    signal: AbortSignal | undefined,
    fn: (octokit: Octokit) => Promise<T>,
    onStatus?: StatusMessage,
  ): Promise<T>;
}

interface HttpFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** The web host issue and pull request URLs live on, from the API root: api.github.com → github.com. */
export function githubWebHost(baseUrl: string | undefined): string {
  if (!baseUrl) return 'github.com';
  const host = new URL(baseUrl).host.toLowerCase();
  return host.startsWith('api.') ? host.slice(4) : host;
}

export function githubClient(opts: GithubClientOptions): GithubClient {
  const apiUrl = opts.baseUrl?.replace(/\/+$/, '') ?? 'https://api.github.com';
  const webHost = githubWebHost(opts.baseUrl);
  const runtime = opts.runtime ?? {};
  let token: Promise<{ value: string; from: string }> | undefined;

  function client(value: string, signal: AbortSignal | undefined): Octokit {
    const octokit = new Octokit({
      auth: value,
      baseUrl: apiUrl,
      userAgent: 'lanes',
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
    // Every request, pages included, gets its own deadline and the rate-limit wait. The options
    // object is changed in place: the hook chain reads that object, not the one passed to request.
    octokit.hook.wrap('request', (request, options) =>
      withRateLimit(
        'GitHub',
        async () => {
          options.request = { ...options.request, signal: requestSignal(signal, runtime.timeoutMs) };
          return request(options);
        },
        githubRateLimitDelay,
        { ...runtime, hint: runtime.rateLimitHint, signal },
      ),
    );
    return octokit;
  }

  return {
    apiUrl,
    webHost,
    async call(what, signal, fn, onStatus) {
      token ??= resolveGithubToken(opts.env, webHost, opts.tokenHint);
      const { value, from } = await token;
      try {
        return await fn(client(value, signal));
      } catch (err) {
        throw githubFailure(err, { what, apiUrl, tokenFrom: from, signal, onStatus, timeoutMs: runtime.timeoutMs });
      }
    },
  };
}

/** GITHUB_TOKEN, GH_TOKEN, then `gh auth token` for the host when gh is installed and logged in. */
export async function resolveGithubToken(
  env: Record<string, string | undefined>,
  webHost: string,
  hint: string,
): Promise<{ value: string; from: string }> {
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN']) {
    const value = env[name]?.trim();
    if (value) return { value, from: name };
  }
  try {
    const res = await exec('gh', ['auth', 'token', '--hostname', webHost], { check: false, timeoutMs: 10_000 });
    const value = res.stdout.trim();
    if (res.exitCode === 0 && value) return { value, from: 'gh auth token' };
  } catch {
    // gh is not installed: fall through to the error that names the variables.
  }
  throw new InputError('GitHub needs a token: set GITHUB_TOKEN (or GH_TOKEN), or log in with gh auth login', {
    hint,
  });
}

function headerOf(err: HttpFailure, name: string): string | undefined {
  const headers = err.response?.headers ?? {};
  return headers[name] ?? headers[name.toLowerCase()];
}

/** The wait a GitHub rate-limit response asks for; undefined when the failure is something else. */
export function githubRateLimitDelay(err: unknown): number | undefined {
  const e = err as HttpFailure;
  if (e?.status !== 403 && e?.status !== 429) return undefined;
  const retryAfter = headerOf(e, 'retry-after');
  if (retryAfter) return rateLimitDelayMs({ retryAfter });
  if (headerOf(e, 'x-ratelimit-remaining') === '0')
    return rateLimitDelayMs({ resetAt: headerOf(e, 'x-ratelimit-reset') });
  // A secondary rate limit without retry-after: GitHub's documentation says to wait a minute.
  if (/secondary rate limit/i.test(e.message ?? '')) return 60_000;
  return undefined;
}

/**
 * What GitHub said it refused, from a 422's body: its `errors` (strings, or objects with a message,
 * or resource/field/code), else its message. One line.
 */
export function githubRefusal(data: unknown, fallback: string): string {
  const body = (data ?? {}) as { message?: unknown; errors?: unknown };
  const parts: string[] = [];
  if (Array.isArray(body.errors)) {
    for (const e of body.errors as unknown[]) {
      if (typeof e === 'string') parts.push(e);
      else if (e && typeof e === 'object') {
        const o = e as { message?: unknown; resource?: unknown; field?: unknown; code?: unknown };
        if (typeof o.message === 'string' && o.message) parts.push(o.message);
        else
          parts.push(
            [o.resource, o.field, o.code].filter((p): p is string => typeof p === 'string' && p !== '').join(' '),
          );
      }
    }
  }
  const text = parts.filter(Boolean).join('; ') || (typeof body.message === 'string' ? body.message : '') || fallback;
  return firstLine(text);
}

function githubFailure(
  err: unknown,
  ctx: {
    what: string;
    apiUrl: string;
    tokenFrom: string;
    signal: AbortSignal | undefined;
    onStatus: StatusMessage | undefined;
    timeoutMs: number | undefined;
  },
): LanesError {
  const transport = transportFailure('GitHub', displayUrl(ctx.apiUrl), err, ctx.signal, ctx.timeoutMs);
  if (transport) return transport;
  const e = err as HttpFailure;
  const status = e?.status;
  if (typeof status === 'number' && status >= 400) {
    const detail =
      status === 422 ? githubRefusal(e.response?.data, firstLine(e.message ?? '')) : firstLine(e.message ?? '');
    const special = ctx.onStatus?.(status, detail, err);
    if (special) return special;
    if (status === 401) {
      return new InputError(`GitHub rejected the token from ${ctx.tokenFrom} (401${detail ? ` ${detail}` : ''})`, {
        hint: 'create a new token, or run gh auth login',
        cause: err,
      });
    }
    if (status === 403) {
      return new ToolError(
        `GitHub refused ${ctx.what} (403${detail ? `: ${detail}` : ''}); the token from ${ctx.tokenFrom} may lack access`,
        { cause: err },
      );
    }
    if (status === 422) return new ToolError(`GitHub refused ${ctx.what} (422: ${detail})`, { cause: err });
    if (status >= 500) {
      return new ToolError(`GitHub failed on ${ctx.what} (${status}${detail ? `: ${detail}` : ''}); try again later`, {
        hint: 'https://www.githubstatus.com says whether GitHub is having trouble',
        cause: err,
      });
    }
    return new ToolError(`GitHub failed on ${ctx.what} (${status}${detail ? `: ${detail}` : ''})`, { cause: err });
  }
  return new ToolError(
    `GitHub request for ${ctx.what} failed: ${firstLine(err instanceof Error ? err.message : String(err))}`,
    { cause: err },
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim().slice(0, 200);
}
