/**
 * For tests of fix rounds: a lane with a commit of its own, and a stored review verdict on its
 * head written straight into the lane's real state file (as `lanes review` would store it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding, Verdict } from '../../src/domain/review.js';
import type { VerdictRecord } from '../../src/infra/review-store.js';
import { StateStore } from '../../src/infra/store.js';
import type { TempRepo } from './repo.js';

export function finding(id: string, over: Partial<Finding> = {}): Finding {
  return {
    id,
    severity: 'major',
    category: 'bug',
    file: 'work.txt',
    line: 1,
    endLine: null,
    message: `problem ${id}`,
    suggestion: `fix ${id}`,
    confidence: 0.9,
    reviewers: ['claude'],
    ...over,
  };
}

export function openStore(repo: TempRepo): StateStore {
  return StateStore.open(repo.git('rev-parse', '--path-format=absolute', '--git-common-dir'));
}

export function worktreeOf(repo: TempRepo, lane: string): string {
  return join(repo.parent, `${repo.root.split('/').pop()!}-worktrees`, lane);
}

/** Commits a file in the lane's worktree, as its implementer would have; returns the new head. */
export function commitInLane(repo: TempRepo, lane: string, file: string, content: string, message: string): string {
  const cwd = worktreeOf(repo, lane);
  writeFileSync(join(cwd, file), content);
  const git = (...args: string[]) => execFileSync('git', args, { cwd, env: repo.env, encoding: 'utf8' }).trim();
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

/**
 * The sha the commit `message` adding `file` on top of `parent` gets: the test's git identity and
 * dates are fixed, so an agent making the same commit gets the same sha. Made in a scratch index,
 * nothing in the repository changes but an unreferenced object.
 */
export function predictCommit(repo: TempRepo, parent: string, file: string, content: string, message: string): string {
  const scratch = mkdtempSync(join(repo.parent, 'tmp', 'predict-'));
  const env = { ...repo.env, GIT_INDEX_FILE: join(scratch, 'index') };
  const git = (args: string[], input?: string) =>
    execFileSync('git', args, {
      cwd: repo.root,
      env,
      encoding: 'utf8',
      ...(input === undefined ? {} : { input }),
    }).trim();
  try {
    git(['read-tree', parent]);
    const blob = git(['hash-object', '-w', '--stdin'], content);
    git(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`]);
    const tree = git(['write-tree']);
    return git(['commit-tree', tree, '-p', parent, '-m', message]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function insertVerdict(
  repo: TempRepo,
  lane: string,
  opts: { round?: number; verdict?: Verdict; findings?: Finding[]; disputes?: VerdictRecord['disputes'] } = {},
): VerdictRecord {
  const store = openStore(repo);
  try {
    const head = repo.git('rev-parse', `refs/heads/${lane}`);
    const record: Omit<VerdictRecord, 'id'> = {
      lane,
      round: opts.round ?? 1,
      head,
      base: repo.git('rev-parse', 'main'),
      verdict: opts.verdict ?? 'request-changes',
      findings: opts.findings ?? [],
      audit: { criteria: [], scopeDrift: [] },
      disputes: opts.disputes ?? [],
      disagreements: [],
      reviewers: ['claude'],
      reviewIds: [],
      adversarial: false,
      createdAt: new Date().toISOString(),
    };
    return { ...record, id: store.reviews.insertVerdict(record) };
  } finally {
    store.close();
  }
}
