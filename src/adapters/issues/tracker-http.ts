/**
 * What the GitHub, Linear and Jira sources share around their official clients: a deadline on
 * every request, a bounded wait when the service says "slow down" (Retry-After or a reset time),
 * and the translation of network failures into one-line errors that name the tracker and URL,
 * never a token.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InterruptedError, LanesError, ToolError } from '../../domain/errors.js';

export const REQUEST_TIMEOUT_MS = 30_000;
/** The longest lanes waits for one rate-limit window; beyond it the command fails and says when to retry. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;
export const MAX_RATE_LIMIT_RETRIES = 3;

export interface TrackerRuntime {
  /** Milliseconds a single request may take. */
  timeoutMs?: number;
  /** Upper bound for one rate-limit wait. */
  maxRateLimitWaitMs?: number;
  /** Called before waiting out a rate limit (the CLI prints it on stderr). */
  onWait?: (message: string) => void;
}

/** The caller's signal combined with a per-request deadline. */
export function requestSignal(signal: AbortSignal | undefined, timeoutMs = REQUEST_TIMEOUT_MS): AbortSignal {
  const deadline = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}

/**
 * How long a rate-limited response asks us to wait, in milliseconds: `Retry-After` (seconds or an
 * HTTP date) first, then a reset time given as epoch seconds (GitHub `x-ratelimit-reset`) or epoch
 * milliseconds (Linear). Undefined when the response carries no such signal.
 */
export function rateLimitDelayMs(
  signal: { retryAfter?: string | null | undefined; resetAt?: string | number | null | undefined },
  now = Date.now(),
): number | undefined {
  const retryAfter = signal.retryAfter?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  if (signal.resetAt !== undefined && signal.resetAt !== null && String(signal.resetAt).trim() !== '') {
    const n = Number(signal.resetAt);
    if (Number.isFinite(n) && n > 0) {
      // Epoch seconds are ten digits today, epoch milliseconds thirteen.
      const ms = n < 1e11 ? n * 1000 : n;
      // One extra second: reset times are rounded down to the second.
      return Math.max(0, ms - now) + 1000;
    }
  }
  return undefined;
}

/**
 * Runs `attempt`, and when `delayOf` recognises the failure as a rate limit, waits as asked
 * (bounded) and tries again, at most MAX_RATE_LIMIT_RETRIES times.
 */
export async function withRateLimit<T>(
  tracker: string,
  attempt: () => Promise<T>,
  delayOf: (err: unknown) => number | undefined,
  opts: TrackerRuntime & { signal?: AbortSignal | undefined; hint?: string | undefined },
): Promise<T> {
  const maxWait = opts.maxRateLimitWaitMs ?? MAX_RATE_LIMIT_WAIT_MS;
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (err) {
      const delay = delayOf(err);
      if (delay === undefined) throw err;
      const seconds = Math.ceil(delay / 1000);
      if (delay > maxWait || retry >= MAX_RATE_LIMIT_RETRIES) {
        const when = new Date(Date.now() + delay).toISOString().slice(11, 19);
        throw new ToolError(`${tracker} rate limit reached; it resets in ${seconds} s (${when} UTC)`, {
          hint: opts.hint ?? 'try again after the reset, or ask for fewer issues (--limit)',
          cause: err,
        });
      }
      opts.onWait?.(`${tracker} rate limit reached; waiting ${seconds} s as the server asks`);
      try {
        await sleep(delay, undefined, { signal: opts.signal });
      } catch (cause) {
        throw new InterruptedError(`interrupted while waiting out the ${tracker} rate limit`, { cause });
      }
    }
  }
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
};

function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let e: unknown = err;
  while (e && chain.length < 8) {
    chain.push(e);
    if (e instanceof AggregateError) chain.push(...(e.errors as unknown[]));
    e = (e as { cause?: unknown }).cause;
  }
  return chain;
}

/**
 * A LanesError for a request that never got an HTTP answer (refused, unknown host, timeout,
 * interrupted), or undefined when `err` is something else.
 */
export function transportFailure(
  tracker: string,
  url: string,
  err: unknown,
  signal?: AbortSignal,
  timeoutMs = REQUEST_TIMEOUT_MS,
): LanesError | undefined {
  if (err instanceof LanesError) return err;
  if (signal?.aborted) return new InterruptedError(`interrupted while asking ${tracker}`, { cause: err });
  for (const e of causes(err)) {
    const name = (e as { name?: string }).name;
    const code = (e as { code?: string }).code;
    if (
      name === 'TimeoutError' ||
      code === 'ECONNABORTED' ||
      code === 'ERR_CANCELED' ||
      name === 'AbortError' ||
      name === 'CanceledError'
    ) {
      return new ToolError(
        `${tracker} at ${url} did not answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`,
        { hint: 'check the network or the tracker status page', cause: err },
      );
    }
    if (code && NETWORK_CODES[code]) {
      return new ToolError(`cannot reach ${tracker} at ${url}: ${NETWORK_CODES[code]}`, {
        hint: 'check the URL in lanes.config.json and the network',
        cause: err,
      });
    }
  }
  return undefined;
}

/** The origin of a URL for messages: no path, no query, never credentials. */
export function displayUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
