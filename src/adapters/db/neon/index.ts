/**
 * Neon branches through Neon's official SDK (@neon/sdk, pinned: its signatures change between
 * majors). A lane's branch is created from the parent branch with its own read-write compute;
 * its direct connection string becomes the lane's DATABASE_URL; it is deleted with the lane.
 *
 * Protocol: 409 on create means the name exists (this repository's prefix is in it) and the
 * branch is reused; 423 (a conflicting operation) and 429/503 are retried with back-off by the
 * SDK; other 5xx are retried here a few times (creating again is safe: a branch that was made
 * after all answers 409, which is reuse). The API key comes from NEON_API_KEY in the
 * environment and is never stored or printed.
 */
import type { Branch, NeonErrorUnion } from '@neon/sdk';
import type { DbBranch, DbBranches, LaneTarget } from '../../../contracts/db-branches.js';
import { dbBranchName, dbOwnerPrefix } from '../../../domain/db-naming.js';
import { InputError, ToolError } from '../../../domain/errors.js';

export interface NeonOptions {
  repoRoot: string;
  projectId: string;
  /** Branch id (`br-…`) or name; default: the project's default branch. */
  parentBranch?: string | undefined;
  database?: string | undefined;
  role?: string | undefined;
  apiUrl?: string | undefined;
  apiKey: string | undefined;
  /** SDK retries on 423/429/503. */
  retries?: number;
  /** Our own retries on other 5xx. */
  serverErrorRetries?: number;
  pollIntervalMs?: number;
  requestTimeoutMs?: number;
}

/** Neon allows 256 characters; the shared naming keeps it far shorter. */
const NEON_MAX_NAME = 256;

type Outcome<T> = { data: T; error: undefined } | { data: undefined; error: NeonErrorUnion };

function statusOf(error: NeonErrorUnion): number | undefined {
  return 'status' in error && typeof error.status === 'number' ? error.status : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      },
      { once: true },
    );
  });
}

export function neonBranches(opts: NeonOptions): DbBranches {
  if (!opts.apiKey) {
    throw new InputError(
      'NEON_API_KEY is not set; accepted: a Neon API key in the environment (it is never read from lanes.config.json)',
    );
  }
  const apiKey = opts.apiKey;
  const prefix = dbOwnerPrefix(opts.repoRoot);
  const api = opts.apiUrl ?? 'https://console.neon.tech/api/v2';
  type Client = ReturnType<typeof import('@neon/sdk').createNeonClient>;
  let client: Promise<Client> | undefined;
  const neon = () =>
    (client ??= import('@neon/sdk').then((sdk) =>
      sdk.createNeonClient({
        apiKey,
        baseUrl: api,
        retries: opts.retries ?? 4,
        requestTimeoutMs: opts.requestTimeoutMs ?? 120_000,
        wait: { pollIntervalMs: opts.pollIntervalMs ?? 1000, timeoutMs: 300_000 },
      }),
    ));

  /** The error a user sees: one line naming what failed and what to do. */
  function failure(what: string, error: NeonErrorUnion): Error {
    const status = statusOf(error);
    switch (error.kind) {
      case 'auth':
        return new InputError(
          `Neon refused NEON_API_KEY while trying to ${what} (HTTP ${status ?? 401}); accepted: a valid API key with access to project ${opts.projectId}`,
          { cause: error },
        );
      case 'not_found':
        return new InputError(
          `Neon: ${what}: not found (HTTP 404); check database.projectId ${JSON.stringify(opts.projectId)} and database.parentBranch`,
          { cause: error },
        );
      case 'rate_limit':
        return new ToolError(
          `Neon kept answering 429 (rate limit) while trying to ${what}, after retries; try again in a minute`,
          { cause: error },
        );
      case 'network':
      case 'timeout':
        return new ToolError(`cannot reach the Neon API at ${api} to ${what}: ${error.message}`, {
          hint: 'check the network, or database.apiUrl',
          cause: error,
        });
      case 'aborted':
        return new ToolError(`interrupted while trying to ${what} on Neon`, { cause: error });
      default:
        return new ToolError(`Neon failed to ${what}${status ? ` (HTTP ${status})` : ''}: ${error.message}`, {
          cause: error,
        });
    }
  }

  /** Runs a call, retrying server errors the SDK does not retry itself. */
  async function call<T>(
    what: string,
    signal: AbortSignal | undefined,
    fn: () => Promise<Outcome<T>>,
  ): Promise<Outcome<T>> {
    const max = opts.serverErrorRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const res = await fn();
      const status = res.error ? statusOf(res.error) : undefined;
      if (!res.error || status === undefined || status < 500 || attempt >= max) return res;
      await sleep(Math.min(4000, 200 * 2 ** attempt), signal);
      void what;
    }
  }

  async function findByName(name: string, signal?: AbortSignal): Promise<Branch | undefined> {
    const c = await neon();
    const res = await call(
      'list branches',
      signal,
      () =>
        c.branches.list({ projectId: opts.projectId, search: name }, { signal }).all() as Promise<Outcome<Branch[]>>,
    );
    if (res.error) throw failure('list branches', res.error);
    return res.data.find((b) => b.name === name);
  }

  async function parentId(signal?: AbortSignal): Promise<string | undefined> {
    const parent = opts.parentBranch;
    if (!parent) return undefined;
    if (/^br-[a-z0-9-]+$/.test(parent)) return parent;
    const found = await findByName(parent, signal);
    if (!found)
      throw new InputError(
        `database.parentBranch ${JSON.stringify(parent)} is not a branch of Neon project ${opts.projectId}; accepted: a branch id (br-…) or the exact name of an existing branch`,
      );
    return found.id;
  }

  return {
    provider: 'neon',
    nameFor: (lane) => dbBranchName(opts.repoRoot, lane, NEON_MAX_NAME),
    async create(target: LaneTarget, signal?: AbortSignal): Promise<DbBranch> {
      const c = await neon();
      const name = dbBranchName(opts.repoRoot, target.lane, NEON_MAX_NAME);
      const parent_id = await parentId(signal);
      const created = await call(
        'create a branch',
        signal,
        () =>
          c.branches.create(
            { projectId: opts.projectId, name, ...(parent_id ? { parent_id } : {}) },
            { signal },
          ) as Promise<Outcome<Branch>>,
      );
      let branch: Branch;
      let madeNow = true;
      if (created.error && statusOf(created.error) === 409) {
        const existing = await findByName(name, signal);
        if (!existing) throw failure(`create branch ${name}`, created.error);
        branch = existing;
        madeNow = false;
      } else if (created.error) {
        throw failure(`create branch ${name}`, created.error);
      } else branch = created.data;

      const uri = await call(
        'get the connection string',
        signal,
        () =>
          c.postgres.connectionString(
            {
              projectId: opts.projectId,
              branchId: branch.id,
              databaseName: opts.database,
              roleName: opts.role,
              pooled: false,
            },
            { signal },
          ) as Promise<Outcome<string>>,
      );
      if (uri.error) {
        // Nothing half-made: a branch created by this call goes again when its URL cannot be had.
        if (madeNow) await c.branches.delete({ projectId: opts.projectId, branchId: branch.id }).catch(() => undefined);
        throw failure(`get the connection string of branch ${name}`, uri.error);
      }
      return { name, url: uri.data, handle: branch.id };
    },
    async drop(branch: DbBranch, signal?: AbortSignal): Promise<void> {
      if (!branch.name.startsWith(prefix))
        throw new ToolError(
          `refusing to delete Neon branch ${JSON.stringify(branch.name)}: it is not a lanes branch of this repository (prefix ${prefix})`,
        );
      const c = await neon();
      const id = branch.handle ?? (await findByName(branch.name, signal))?.id;
      if (!id) return;
      const res = await call(
        'delete a branch',
        signal,
        () => c.branches.delete({ projectId: opts.projectId, branchId: id }, { signal }) as Promise<Outcome<void>>,
      );
      if (res.error && res.error.kind !== 'not_found') throw failure(`delete branch ${branch.name}`, res.error);
    },
    async list(signal?: AbortSignal): Promise<string[]> {
      const c = await neon();
      const res = await call(
        'list branches',
        signal,
        () =>
          c.branches.list({ projectId: opts.projectId, search: prefix }, { signal }).all() as Promise<
            Outcome<Branch[]>
          >,
      );
      if (res.error) throw failure('list branches', res.error);
      return res.data.map((b) => b.name).filter((n) => n.startsWith(prefix));
    },
  };
}
