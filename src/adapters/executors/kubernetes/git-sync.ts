/**
 * The lane's branch on its way to the cluster and back, through the git module: pushed to the
 * runner's remote before the Job (never forced), fetched when the Job ends and fast-forwarded into
 * the lane. Local commits are never overwritten: when the lane's branch moved while the Job ran,
 * the Job's commits are kept on a branch of their own and the caller says so.
 */
import { git } from '../../../infra/git.js';

export async function remoteUrl(cwd: string, remote: string): Promise<string | undefined> {
  const res = await git(cwd, ['remote', 'get-url', '--', remote], { check: false, timeoutMs: 30_000 });
  return res.exitCode === 0 ? res.stdout.trim() : undefined;
}

export async function tipOf(cwd: string, branch: string): Promise<string | undefined> {
  const res = await git(cwd, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
    check: false,
    timeoutMs: 30_000,
  });
  return res.exitCode === 0 ? res.stdout.trim() : undefined;
}

/** Who the Job's commits are by: this repository's author as git sees it (config or GIT_AUTHOR_* here). */
export async function identity(cwd: string): Promise<{ name?: string; email?: string }> {
  const res = await git(cwd, ['var', 'GIT_AUTHOR_IDENT'], { check: false, timeoutMs: 30_000 });
  const m = /^(.*?) <([^>]*)>/.exec(res.exitCode === 0 ? res.stdout.trim() : '');
  if (!m) return {};
  return { ...(m[1] ? { name: m[1] } : {}), ...(m[2] ? { email: m[2] } : {}) };
}

/**
 * Pushes the commit the run starts from to the remote's branch, never forced; undefined when done,
 * else git's last line (a rejected non-fast-forward).
 */
export async function pushBranch(
  cwd: string,
  remote: string,
  branch: string,
  commit: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  const res = await git(cwd, ['push', '--quiet', '--', remote, `${commit}:refs/heads/${branch}`], {
    check: false,
    signal,
    timeoutMs: 300_000,
  });
  return res.exitCode === 0 ? undefined : lastLine(res.stderr) || `git push exited with ${res.exitCode}`;
}

export interface SyncResult {
  /** What happened, for the run's stderr.log. */
  note: string;
  /** True when the Job's commits are not on the lane's branch (kept aside, or not fetched). */
  keptAside: boolean;
}

/**
 * Fetches the branch from the remote and brings the Job's commits into the lane: `git merge
 * --ff-only` in the lane's worktree when it is on the branch (git itself refuses to overwrite local
 * changes), else a compare-and-swap `update-ref` from the start commit.
 */
export async function bringBack(p: {
  worktree: string;
  remote: string;
  branch: string;
  start: string;
  runId: number;
  signal?: AbortSignal;
}): Promise<SyncResult> {
  const { worktree, remote, branch, start } = p;
  const aside = `refs/lanes/remote-runs/${p.runId}`;
  const fetched = await git(
    worktree,
    ['fetch', '--quiet', '--no-tags', '--', remote, `+refs/heads/${branch}:${aside}`],
    {
      check: false,
      timeoutMs: 300_000,
    },
  );
  if (fetched.exitCode !== 0)
    return {
      note: `could not fetch ${branch} from ${remote}: ${lastLine(fetched.stderr)}; the Job's commits are there: git fetch ${remote} ${branch}`,
      keptAside: true,
    };
  try {
    const theirs = (await git(worktree, ['rev-parse', `${aside}^{commit}`], { timeoutMs: 30_000 })).stdout.trim();
    if (theirs === start) return { note: `the Job pushed no commits to ${branch}`, keptAside: false };
    const local = await tipOf(worktree, branch);
    const descends = await isAncestor(worktree, start, theirs);
    if (local === start && descends) {
      const head = await git(worktree, ['symbolic-ref', '--quiet', 'HEAD'], { check: false, timeoutMs: 30_000 });
      if (head.exitCode === 0 && head.stdout.trim() === `refs/heads/${branch}`) {
        const merged = await git(worktree, ['merge', '--ff-only', '--quiet', theirs], {
          check: false,
          timeoutMs: 120_000,
        });
        if (merged.exitCode === 0) return { note: `fast-forwarded ${branch} to ${theirs}`, keptAside: false };
        return keep(worktree, branch, theirs, p.runId, `git merge --ff-only refused (${lastLine(merged.stderr)})`);
      }
      // Not checked out here: move the branch only if it is still where the run started.
      const moved = await git(worktree, ['update-ref', `refs/heads/${branch}`, theirs, start], {
        check: false,
        timeoutMs: 30_000,
      });
      if (moved.exitCode === 0) return { note: `moved ${branch} to ${theirs}`, keptAside: false };
      return keep(worktree, branch, theirs, p.runId, 'the branch moved while lanes updated it');
    }
    if (local !== undefined && (await isAncestor(worktree, theirs, local)))
      return { note: `${branch} already has the Job's commits`, keptAside: false };
    return keep(
      worktree,
      branch,
      theirs,
      p.runId,
      local === start ? `${remote}/${branch} was rewritten` : `${branch} moved locally while the Job ran`,
    );
  } finally {
    await git(worktree, ['update-ref', '-d', aside], { check: false, timeoutMs: 30_000 });
  }
}

/**
 * Before a run: when the remote's branch is ahead of the lane (an earlier Job pushed after its
 * supervisor was gone, e.g. a `lanes stop` that outlasted its wait), the lane takes those commits
 * first, so the new run starts from them and nothing is lost. Returns what happened, or undefined.
 */
export async function catchUp(p: {
  worktree: string;
  remote: string;
  branch: string;
  runId: number;
}): Promise<SyncResult | undefined> {
  const local = await tipOf(p.worktree, p.branch);
  const listed = await git(p.worktree, ['ls-remote', '--heads', '--', p.remote, `refs/heads/${p.branch}`], {
    check: false,
    timeoutMs: 120_000,
  });
  const theirs = listed.exitCode === 0 ? listed.stdout.split(/\s/)[0] : undefined;
  if (!local || !theirs || theirs === local) return undefined;
  const fetched = await git(p.worktree, ['fetch', '--quiet', '--no-tags', '--', p.remote, theirs], {
    check: false,
    timeoutMs: 300_000,
  });
  // Not fetchable, or not a descendant of the lane (someone else's history): the push says so.
  if (fetched.exitCode !== 0 || !(await isAncestor(p.worktree, local, theirs))) return undefined;
  return bringBack({ ...p, start: local });
}

async function keep(worktree: string, branch: string, commit: string, runId: number, why: string): Promise<SyncResult> {
  const name = `${branch}-run${runId}`;
  await git(worktree, ['branch', '--', name, commit], { check: false, timeoutMs: 30_000 });
  return {
    note: `${why}: kept both; the Job's commits are on branch ${name} (git merge ${name} takes them)`,
    keptAside: true,
  };
}

async function isAncestor(cwd: string, commit: string, of: string): Promise<boolean> {
  const res = await git(cwd, ['merge-base', '--is-ancestor', commit, of], { check: false, timeoutMs: 30_000 });
  return res.exitCode === 0;
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? ''
  );
}
