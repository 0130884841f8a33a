/**
 * PostgreSQL branches: `CREATE DATABASE "<branch>" TEMPLATE "<main>"` on the configured server,
 * through the `pg` client (no psql process). Identifiers are always quoted with pg's
 * escapeIdentifier and kept within 63 bytes by the naming (PostgreSQL would silently truncate);
 * names carry the repository's owner prefix so `list` sees only this repository's branches.
 *
 * CREATE DATABASE fails while anyone is connected to the template. Then the error names the
 * sessions (from pg_stat_activity), unless the config allows terminating them, in which case
 * they are terminated and CREATE retried.
 */
import type { ClientConfig } from 'pg';
import type { DbBranch, DbBranches, LaneTarget } from '../../../contracts/db-branches.js';
import { dbBranchName, dbOwnerPrefix } from '../../../domain/db-naming.js';
import { InputError, ToolError, errorMessage } from '../../../domain/errors.js';

export interface PostgresOptions {
  repoRoot: string;
  /** Server URL; its database is the one lanes connects to for administration. */
  url: string;
  template: string;
  terminateConnections: boolean;
  /**
   * PostgreSQL 15+: FILE_COPY copies the template's files; WAL_LOG (the server default) logs every block, much slower
   * on a slow disk.
   */
  strategy?: 'file_copy' | 'wal_log';
  connectTimeoutMs?: number;
}

interface Session {
  pid: number;
  usename: string | null;
  application_name: string | null;
  client_addr: string | null;
  state: string | null;
}

type PgModule = typeof import('pg');
type PgClient = InstanceType<PgModule['Client']>;

/** The URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** The server URL pointing at another database. */
export function urlForDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

function describeSessions(sessions: Session[]): string {
  return (
    sessions
      .slice(0, 5)
      .map(
        (s) =>
          `pid ${s.pid} (user ${s.usename ?? '?'}${s.application_name ? `, ${s.application_name}` : ''}${s.client_addr ? `, from ${s.client_addr}` : ''}${s.state ? `, ${s.state}` : ''})`,
      )
      .join(', ') + (sessions.length > 5 ? `, and ${sessions.length - 5} more` : '')
  );
}

export function postgresBranches(opts: PostgresOptions): DbBranches {
  let parsed: URL;
  try {
    parsed = new URL(opts.url);
    if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error('not postgres');
  } catch {
    throw new InputError(
      `database.url ${JSON.stringify(redactUrl(opts.url))} is not a PostgreSQL URL; accepted: postgres://user:password@host:port/database`,
    );
  }
  const where = `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
  const prefix = dbOwnerPrefix(opts.repoRoot);

  async function connect(signal?: AbortSignal): Promise<PgClient> {
    signal?.throwIfAborted();
    const pg = ((await import('pg')) as unknown as { default: PgModule }).default;
    const config: ClientConfig = {
      connectionString: opts.url,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      application_name: 'lanes',
    };
    const client = new pg.Client(config);
    // A server that dies mid-session emits 'error' on the client; without a listener Node would crash.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      const code = (err as { code?: string }).code;
      if (code === '28P01' || code === '28000')
        throw new InputError(`PostgreSQL at ${where} refused the credentials in database.url (${errorMessage(err)})`, {
          cause: err,
        });
      if (code === '3D000')
        throw new InputError(
          `PostgreSQL at ${where}: ${errorMessage(err)}; accepted: a database.url whose database exists (e.g. /postgres)`,
          { cause: err },
        );
      throw new ToolError(`cannot reach PostgreSQL at ${where}: ${errorMessage(err) || code || 'connection failed'}`, {
        hint: 'start the server or fix database.url (or DATABASE_URL) in lanes.config.json',
        cause: err,
      });
    }
    return client;
  }

  async function withClient<T>(
    signal: AbortSignal | undefined,
    fn: (c: PgClient, esc: (s: string) => string) => Promise<T>,
  ): Promise<T> {
    const client = await connect(signal);
    try {
      return await fn(client, (s) => client.escapeIdentifier(s));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async function sessionsOn(c: PgClient, database: string): Promise<Session[]> {
    const res = await c.query<Session>(
      'SELECT pid, usename, application_name, client_addr::text AS client_addr, state FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() ORDER BY pid',
      [database],
    );
    return res.rows;
  }

  async function terminate(c: PgClient, sessions: Session[]): Promise<void> {
    await c.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [sessions.map((s) => s.pid)]);
  }

  return {
    provider: 'postgres',
    nameFor: (lane) => dbBranchName(opts.repoRoot, lane),
    async create(target: LaneTarget, signal?: AbortSignal): Promise<DbBranch> {
      const name = dbBranchName(opts.repoRoot, target.lane);
      return withClient(signal, async (c, esc) => {
        const existing = await c.query<{ datname: string }>(
          'SELECT datname FROM pg_database WHERE datname = ANY($1::text[])',
          [[opts.template, name]],
        );
        const names = new Set(existing.rows.map((r) => r.datname));
        if (!names.has(opts.template)) {
          throw new InputError(
            `database.template ${JSON.stringify(opts.template)} does not exist on ${where}; accepted: the name of an existing database on that server`,
          );
        }
        if (names.has(name)) {
          throw new ToolError(
            `database ${JSON.stringify(name)} already exists on ${where}, so lane ${target.lane} cannot create it`,
            {
              hint: 'it was left by an earlier lane of the same name: lanes doctor --fix drops database branches whose lane is gone',
            },
          );
        }
        const version = Number(
          (await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0,
        );
        const strategy = version >= 150000 ? ` STRATEGY ${(opts.strategy ?? 'file_copy').toUpperCase()}` : '';
        const sql = `CREATE DATABASE ${esc(name)} TEMPLATE ${esc(opts.template)}${strategy}`;
        for (let attempt = 0; ; attempt++) {
          signal?.throwIfAborted();
          const sessions = await sessionsOn(c, opts.template);
          if (sessions.length > 0) {
            if (!opts.terminateConnections) {
              throw new ToolError(
                `cannot branch database ${JSON.stringify(opts.template)}: ${sessions.length} open connection(s) on it: ${describeSessions(sessions)}`,
                {
                  hint: 'PostgreSQL copies a template only while nobody is connected: stop those sessions, or set database.terminateConnections to true',
                },
              );
            }
            if (attempt >= 5)
              throw new ToolError(
                `cannot branch database ${JSON.stringify(opts.template)}: connections keep coming back after terminating them: ${describeSessions(sessions)}`,
              );
            await terminate(c, sessions);
          }
          try {
            await c.query(sql);
            break;
          } catch (err) {
            // 55006 object_in_use: someone connected between the check and CREATE; go round again.
            if ((err as { code?: string }).code === '55006' && attempt < 5) continue;
            if ((err as { code?: string }).code === '42P04')
              throw new ToolError(`database ${JSON.stringify(name)} already exists on ${where}`, { cause: err });
            throw new ToolError(
              `CREATE DATABASE ${name} TEMPLATE ${opts.template} failed on ${where}: ${errorMessage(err)}`,
              { cause: err },
            );
          }
        }
        return { name, url: urlForDatabase(opts.url, name), handle: name };
      });
    },
    async drop(branch: DbBranch, signal?: AbortSignal): Promise<void> {
      // Only ever drop this repository's own branches, whatever the record says.
      if (!branch.name.startsWith(prefix))
        throw new ToolError(
          `refusing to drop database ${JSON.stringify(branch.name)}: it is not a lanes branch of this repository (prefix ${prefix})`,
        );
      await withClient(signal, async (c, esc) => {
        const sessions = await sessionsOn(c, branch.name);
        if (sessions.length > 0) {
          if (!opts.terminateConnections) {
            throw new ToolError(
              `cannot drop database ${JSON.stringify(branch.name)}: ${sessions.length} open connection(s): ${describeSessions(sessions)}`,
              {
                hint: "stop the lane's app, or set database.terminateConnections to true",
              },
            );
          }
          await terminate(c, sessions);
        }
        try {
          await c.query(`DROP DATABASE IF EXISTS ${esc(branch.name)}`);
        } catch (err) {
          throw new ToolError(`DROP DATABASE ${branch.name} failed on ${where}: ${errorMessage(err)}`, { cause: err });
        }
      });
    },
    async list(signal?: AbortSignal): Promise<string[]> {
      return withClient(signal, async (c) => {
        const res = await c.query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY datname');
        return res.rows.map((r) => r.datname).filter((n) => n.startsWith(prefix));
      });
    },
  };
}
