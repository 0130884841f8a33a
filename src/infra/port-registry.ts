/**
 * The machine-wide port registry: one SQLite file per user (`ports.db` in the user's lanes state
 * directory) that every repository's lanes lease their ports from, so lanes of two repositories
 * never get the same port even before either dev server runs.
 *
 * Contract: a port is leased to at most one (repository, lane, service) on the machine (the
 * PRIMARY KEY on port; leasing is one INSERT OR IGNORE, atomic across processes). A repository is
 * named by the real path of its git common directory, which every worktree shares. WAL and a busy
 * timeout let many `lanes` processes of many repositories use the file at once.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, win32 } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { retryWhileBusy } from './sqlite-busy.js';

const MIGRATIONS: string[] = [
  // 1: one row per leased port
  `CREATE TABLE leases (
     port INTEGER PRIMARY KEY,
     repo TEXT NOT NULL,
     lane TEXT NOT NULL,
     service TEXT NOT NULL,
     leased_at TEXT NOT NULL
   );
   CREATE INDEX leases_owner ON leases(repo, lane);`,
];

export interface PortLease {
  port: number;
  /** Real path of the repository's git common directory. */
  repo: string;
  lane: string;
  service: string;
  leasedAt: string;
}

/**
 * The user's lanes state directory: `$LANES_STATE_HOME`, else `$XDG_STATE_HOME/lanes`, else
 * `~/.local/state/lanes` (Linux, macOS) or `%LOCALAPPDATA%\lanes` (Windows). Takes the environment
 * the entry point was given, so tests and scripts isolate it through HOME or LANES_STATE_HOME.
 */
export function userStateDir(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.LANES_STATE_HOME) return env.LANES_STATE_HOME;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'lanes');
  if (platform === 'win32') {
    const local =
      env.LOCALAPPDATA ??
      (env.USERPROFILE ? win32.join(env.USERPROFILE, 'AppData', 'Local') : win32.join(homedir(), 'AppData', 'Local'));
    return win32.join(local, 'lanes');
  }
  return join(env.HOME || homedir(), '.local', 'state', 'lanes');
}

interface LeaseRow {
  port: number;
  repo: string;
  lane: string;
  service: string;
  leased_at: string;
}

const fromRow = (r: LeaseRow): PortLease => ({
  port: r.port,
  repo: r.repo,
  lane: r.lane,
  service: r.service,
  leasedAt: r.leased_at,
});

export class PortRegistry {
  readonly file: string;
  private readonly db: BetterSqlite3.Database;

  private constructor(file: string, db: BetterSqlite3.Database) {
    this.file = file;
    this.db = db;
  }

  static open(stateDir: string): PortRegistry {
    mkdirSync(stateDir, { recursive: true });
    const file = join(stateDir, 'ports.db');
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    return retryWhileBusy(() => {
      const db = new Database(file, { timeout: 30_000 });
      try {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        const registry = new PortRegistry(file, db);
        registry.migrate();
        return registry;
      } catch (err) {
        db.close();
        throw err;
      }
    }, 30_000);
  }

  close(): void {
    this.db.close();
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current >= MIGRATIONS.length) return;
    this.db
      .transaction(() => {
        // Re-read inside the write lock: another process may have migrated meanwhile.
        const version = this.db.pragma('user_version', { simple: true }) as number;
        for (let v = version; v < MIGRATIONS.length; v++) {
          this.db.exec(MIGRATIONS[v]!);
          this.db.pragma(`user_version = ${v + 1}`);
        }
      })
      .immediate();
  }

  /** Every port leased on this machine, by any repository. */
  leasedPorts(): Set<number> {
    return new Set((this.db.prepare('SELECT port FROM leases').all() as { port: number }[]).map((r) => r.port));
  }

  /** Leases `port` unless anyone on the machine holds it; true when this call got it. */
  tryLease(port: number, repo: string, lane: string, service: string): boolean {
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO leases (port, repo, lane, service, leased_at) VALUES (?, ?, ?, ?, ?)')
        .run(port, repo, lane, service, new Date().toISOString()).changes === 1
    );
  }

  /** The lane's ports by service. */
  leasesOf(repo: string, lane: string): Record<string, number> {
    const rows = this.db
      .prepare('SELECT port, service FROM leases WHERE repo = ? AND lane = ? ORDER BY rowid')
      .all(repo, lane) as { port: number; service: string }[];
    return Object.fromEntries(rows.map((r) => [r.service, r.port]));
  }

  leases(): PortLease[] {
    return (
      this.db
        .prepare('SELECT port, repo, lane, service, leased_at FROM leases ORDER BY repo, lane, port')
        .all() as LeaseRow[]
    ).map(fromRow);
  }

  /** Frees every port of the lane; returns how many. */
  release(repo: string, lane: string): number {
    return this.db.prepare('DELETE FROM leases WHERE repo = ? AND lane = ?').run(repo, lane).changes;
  }

  /** Frees exactly this lease (same port, owner and time): a lane leased anew since it was read keeps its port. */
  releaseLease(lease: PortLease): boolean {
    return (
      this.db
        .prepare('DELETE FROM leases WHERE port = ? AND repo = ? AND lane = ? AND leased_at = ?')
        .run(lease.port, lease.repo, lease.lane, lease.leasedAt).changes === 1
    );
  }
}
