import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, lanesAsync, makeRepo, type TempRepo } from '../helpers/repo.js';

interface Problem {
  kind: string;
  lane: string | null;
  detail: string;
  fixed: boolean;
}

let repo: TempRepo;
afterEach(() => repo?.cleanup());

function doctor(fix = false): { code: number; problems: Problem[] } {
  const res = lanes(repo, ['doctor', '--json', ...(fix ? ['--fix'] : [])]);
  return { code: res.code, problems: json<{ problems: Problem[] }>(res).problems };
}

/** The machine-wide port registry, which lives in the test's isolated HOME. */
function registryDb(): Database.Database {
  return new Database(join(repo.home, '.local', 'state', 'lanes', 'ports.db'));
}

function leasedLanes(): string[] {
  const db = registryDb();
  try {
    return (db.prepare('SELECT lane FROM leases ORDER BY lane').all() as { lane: string }[]).map((r) => r.lane);
  } finally {
    db.close();
  }
}

function withState<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(join(repo.root, '.git', 'lanes', 'state.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** A reviewer's checkout as `lanes review` makes it (review-checkout.ts), here by hand. */
function reviewCheckout(name: string, lock?: string): string {
  const path = join(repo.parent, 'app-worktrees', '.lanes-review', 'issue-1', name);
  mkdirSync(join(path, '..'), { recursive: true });
  repo.git('worktree', 'add', '-q', '--detach', ...(lock ? ['--lock', '--reason', lock] : []), path, 'HEAD');
  return path;
}

function listedWorktrees(): string {
  return repo.git('worktree', 'list', '--porcelain');
}

/** A pid that was a process and is gone. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('lanes doctor', () => {
  it('reports a healthy repository as an empty list', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    expect(doctor()).toEqual({ code: 0, problems: [] });
  });

  it('finds a lane record whose worktree git no longer knows, and fixes it when no work is at stake', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    repo.git('worktree', 'remove', '--force', wt);
    const found = doctor();
    expect(found.code).toBe(1);
    expect(found.problems).toEqual([
      expect.objectContaining({ kind: 'missing-worktree', lane: 'issue-1', fixed: false }),
    ]);
    const fixed = doctor(true);
    expect(fixed.problems).toEqual([expect.objectContaining({ kind: 'missing-worktree', fixed: true })]);
    expect(doctor()).toEqual({ code: 0, problems: [] });
    expect(repo.git('branch', '--list', 'issue-1')).toBe('');
  });

  it('keeps a missing lane whose branch holds unmerged commits', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    writeFileSync(join(wt, 'f.txt'), 'work');
    repo.git('-C', wt, 'add', 'f.txt');
    repo.git('-C', wt, 'commit', '-q', '-m', 'work');
    rmSync(wt, { recursive: true, force: true });
    const res = doctor(true);
    expect(res.problems).toContainEqual(
      expect.objectContaining({ kind: 'missing-worktree', lane: 'issue-1', fixed: false }),
    );
    expect(repo.git('log', '-1', '--format=%s', 'issue-1')).toBe('work');
  });

  it('finds a worktree without a lane record and never removes it', () => {
    repo = makeRepo();
    const wt = join(repo.parent, 'app-worktrees', 'by-hand');
    repo.git('worktree', 'add', '-q', '-b', 'by-hand', wt);
    const res = doctor(true);
    expect(res.problems).toEqual([expect.objectContaining({ kind: 'orphan-worktree', fixed: false })]);
    expect(existsSync(wt)).toBe(true);
  });

  it('releases port leases of lanes that no longer exist in their repository', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const db = registryDb();
    db.prepare(
      "INSERT INTO leases (port, repo, lane, service, leased_at) VALUES (4999, ?, 'ghost', 'web', '2026-01-01T00:00:00Z')",
    ).run(realpathSync(join(repo.root, '.git')));
    db.close();
    expect(doctor().problems).toEqual([expect.objectContaining({ kind: 'stale-lease', lane: 'ghost', fixed: false })]);
    expect(doctor(true).problems).toEqual([expect.objectContaining({ kind: 'stale-lease', fixed: true })]);
    expect(doctor().problems).toEqual([]);
    expect(leasedLanes()).toEqual(['issue-1']);
  });

  it('releases port leases of a repository that was deleted, from any other repository', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    const gone = makeRepo({ name: 'gone' });
    try {
      addIssue(gone, 7, 'y');
      // The deleted repository's lanes leased from the same registry (the same HOME).
      expect(lanes(gone, ['new', '7', '--no-agent'], { env: { HOME: repo.home } }).code).toBe(0);
      expect(leasedLanes()).toEqual(['issue-7']);
    } finally {
      gone.cleanup();
    }
    const found = doctor();
    expect(found.problems).toEqual([expect.objectContaining({ kind: 'stale-lease', lane: 'issue-7', fixed: false })]);
    expect(found.problems[0]!.detail).toMatch(/repository .*gone.* no longer exists/);
    expect(doctor(true).problems).toEqual([
      expect.objectContaining({ kind: 'stale-lease', lane: 'issue-7', fixed: true }),
    ]);
    expect(leasedLanes()).toEqual([]);
    expect(doctor()).toEqual({ code: 0, problems: [] });
  });

  it('undoes a lane whose lanes new was killed mid-way: no lane, branch, directory or lease left', async () => {
    repo = makeRepo({
      files: { 'lanes.config.json': JSON.stringify({ hooks: { postCreate: ['echo started > hook-ran; sleep 30'] } }) },
    });
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    const run = lanesAsync(repo, ['new', '1', '--no-agent', '--yes']);
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    for (let i = 0; i < 300 && !existsSync(join(wt, 'hook-ran')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(wt, 'hook-ran'))).toBe(true);
    process.kill(run.pid!, 'SIGKILL');
    await run;
    const found = doctor();
    expect(found.problems).toContainEqual(
      expect.objectContaining({ kind: 'interrupted-operation', lane: 'issue-1', fixed: false }),
    );
    const fixed = doctor(true);
    expect(fixed.problems).toContainEqual(
      expect.objectContaining({ kind: 'interrupted-operation', lane: 'issue-1', fixed: true }),
    );
    expect(existsSync(wt)).toBe(false);
    expect(repo.git('branch', '--list', 'issue-1')).toBe('');
    expect(json(lanes(repo, ['ls', '--json']))).toEqual([]);
    expect(leasedLanes()).toEqual([]);
    expect(doctor()).toEqual({ code: 0, problems: [] });
  });

  it('finds a branch a removal had to leave (checked out in the main worktree) and deletes it once free and merged', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    repo.git('-C', wt, 'checkout', '-q', '--detach');
    repo.git('checkout', '-q', 'issue-1');
    const rm = lanes(repo, ['rm', 'issue-1']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stderr).toContain('kept branch issue-1: it is checked out in');
    expect(repo.git('branch', '--list', 'issue-1')).toContain('issue-1');
    expect(doctor().problems).toEqual([
      expect.objectContaining({ kind: 'left-branch', lane: 'issue-1', fixed: false }),
    ]);
    repo.git('checkout', '-q', 'main');
    expect(doctor(true).problems).toEqual([expect.objectContaining({ kind: 'left-branch', fixed: true })]);
    expect(repo.git('branch', '--list', 'issue-1')).toBe('');
    expect(doctor().problems).toEqual([]);
  });

  describe('review checkouts', () => {
    it('reports a checkout left by a killed review and --fix removes it', () => {
      repo = makeRepo();
      addIssue(repo, 1, 'x');
      expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
      const path = reviewCheckout('7-codex');
      const found = doctor();
      expect(found.code).toBe(1);
      expect(found.problems).toEqual([
        {
          kind: 'review-checkout',
          lane: 'issue-1',
          detail: `review checkout ${path} was left by a review that is no longer running`,
          fixed: false,
        },
      ]);
      const text = lanes(repo, ['doctor']);
      expect(text.stdout).toBe(
        `found  review-checkout  review checkout ${path} was left by a review that is no longer running\n`,
      );
      const fixed = doctor(true);
      expect(fixed.problems).toEqual([expect.objectContaining({ kind: 'review-checkout', fixed: true })]);
      expect(fixed.code).toBe(0);
      expect(existsSync(path)).toBe(false);
      expect(listedWorktrees()).not.toContain('.lanes-review');
      // The lane itself is untouched.
      expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-1'))).toBe(true);
      expect(doctor()).toEqual({ code: 0, problems: [] });
    });

    it('keeps the checkout of a review that is running with a live run, and reports it once the review ended', () => {
      repo = makeRepo();
      addIssue(repo, 1, 'x');
      expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
      const now = new Date().toISOString();
      // A review whose run's supervisor is a live process (this test's): what a running review records.
      const reviewId = withState((db) => {
        const run = db
          .prepare(
            "INSERT INTO runs (lane, phase, agent, adapter, runner, status, run_dir, supervisor_pid, started_at) VALUES ('issue-1', 'review', 'codex', 'codex', 'headless', 'running', '', ?, ?)",
          )
          .run(process.pid, now).lastInsertRowid;
        return Number(
          db
            .prepare(
              "INSERT INTO reviews (lane, round, head, reviewer, status, data, started_at) VALUES ('issue-1', 1, 'abc', 'codex', 'running', ?, ?)",
            )
            .run(JSON.stringify({ runIds: [Number(run)], answer: null, error: null }), now).lastInsertRowid,
        );
      });
      const path = reviewCheckout(`${reviewId}-codex`);
      expect(doctor()).toEqual({ code: 0, problems: [] });
      expect(doctor(true)).toEqual({ code: 0, problems: [] });
      expect(existsSync(path)).toBe(true);

      // The same review, failed: its checkout is a leftover now.
      withState((db) => db.prepare("UPDATE reviews SET status = 'failed' WHERE id = ?").run(reviewId));
      expect(doctor().problems).toEqual([expect.objectContaining({ kind: 'review-checkout', fixed: false })]);
      // And one whose review says running but whose run's supervisor is gone.
      withState((db) => {
        db.prepare("UPDATE reviews SET status = 'running' WHERE id = ?").run(reviewId);
        db.prepare('UPDATE runs SET supervisor_pid = ?').run(deadPid());
      });
      expect(doctor(true).problems).toEqual([expect.objectContaining({ kind: 'review-checkout', fixed: true })]);
      expect(existsSync(path)).toBe(false);
    });

    it('keeps a checkout whose lock names a live process, and removes a locked one whose process is gone', () => {
      repo = makeRepo();
      addIssue(repo, 1, 'x');
      expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
      const at = new Date().toISOString();
      const live = reviewCheckout('0-commands', `lanes review: process ${process.pid} at ${at}`);
      const dead = reviewCheckout('3-claude', `lanes review: process ${deadPid()} at ${at}`);
      const fixed = doctor(true);
      expect(fixed.problems).toEqual([
        expect.objectContaining({ kind: 'review-checkout', detail: expect.stringContaining(dead), fixed: true }),
      ]);
      expect(existsSync(live)).toBe(true);
      expect(existsSync(dead)).toBe(false);
      expect(listedWorktrees()).toContain(live);
      expect(listedWorktrees()).not.toContain(dead);
    });
  });
});
