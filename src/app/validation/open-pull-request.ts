/**
 * `lanes pr`: the lane's committed work as the input to validation. With a forge (GitHub) the
 * branch is pushed (never forced) and the open pull request whose head is the branch is updated,
 * or one is opened: never a second. Without one, lanes records a local review request (base,
 * merge-base commit, head, diff stat) that review and fix treat the same way; a branch is pushed
 * then only when `forge.remote` names a remote. Either way the request is stored and the lane's
 * validation state becomes `pr-open`. lanes commits nothing here: uncommitted changes in the
 * worktree are left alone and the caller is told they are not part of the request.
 */
import { existsSync } from 'node:fs';
import { InputError, LanesError, ToolError, errorMessage } from '../../domain/errors.js';
import { diffStatFromNumstat } from '../../domain/diff-stat.js';
import { forgeRemote } from '../../domain/forge-remote.js';
import type { Issue } from '../../domain/issue.js';
import type { LaneRecord } from '../../domain/lane.js';
import { pullRequestBody, pullRequestTitle } from '../../domain/pull-request-body.js';
import { isBehindRemote, parsePushPorcelain, type PushStatus } from '../../domain/push-result.js';
import type { Config } from '../../infra/config-schema.js';
import * as git from '../../infra/git.js';
import type { ReviewRequestRecord } from '../../infra/review-store.js';
import type { Context } from '../context.js';
import { requireLane } from '../lane/require-lane.js';
import { writeBack } from '../lane/write-back.js';

export interface PullRequestOptions {
  draft?: boolean;
}

export interface PullRequestResult {
  lane: string;
  /** The record as stored (kind github or local, number, url, base, baseCommit, head, diffStat …). */
  request: ReviewRequestRecord;
  /** True when this call opened it; false when it updated the existing one. */
  created: boolean;
  /** The remote the branch was pushed to this time; null when nothing was pushed. */
  pushed: string | null;
  /** What the push did: `new` branch on the remote, `updated` (fast-forward), `up-to-date`; null without a push. */
  pushStatus: PushStatus | null;
  /** The pull request's title (the issue's); the local record has it too, for people reading the output. */
  title: string;
  /** Things the user should know that did not stop the command (stderr; `warnings` in --json). */
  warnings: string[];
}

/** A push may take a while on a slow link; it never waits for a password (GIT_TERMINAL_PROMPT=0). */
const PUSH_TIMEOUT_MS = 300_000;

export async function openPullRequest(
  ctx: Context,
  laneName: string,
  opts: PullRequestOptions = {},
): Promise<PullRequestResult> {
  const lane = await requireLane(ctx, laneName, 'lanes pr');
  const [repo, config, store] = await Promise.all([ctx.repo(), ctx.config(), ctx.store()]);
  const signal = ctx.signal;
  const cwd = repo.mainRoot;
  const warnings: string[] = [];

  // The branch as committed: what a pull request or a review sees, whatever the worktree holds.
  const head = await git.resolveCommit(cwd, `refs/heads/${lane.branch}`, { signal });
  if (!head)
    throw new ToolError(`lane ${lane.name} has no branch ${lane.branch} any more`, {
      hint: 'lanes doctor explains what happened to it',
    });
  const baseRef = (await git.resolveCommit(cwd, lane.base, { signal })) ? lane.base : lane.baseCommit;
  const baseCommit = (await git.git(cwd, ['merge-base', '--end-of-options', baseRef, head], { signal })).stdout.trim();
  const dirty = existsSync(lane.path)
    ? (await git.status(lane.path, { signal, untracked: 'normal' })).changed.length
    : 0;
  if (baseCommit === head) {
    throw new InputError(
      `lane ${lane.name} has no commits beyond its base ${lane.base}: there is nothing to review${dirty ? ` (its worktree has ${dirty} uncommitted change${dirty === 1 ? '' : 's'}; lanes pr commits nothing for you)` : ''}`,
      { hint: `commit the work in ${lane.path}, then run lanes pr ${lane.name} again` },
    );
  }
  if (dirty)
    warnings.push(
      `lane ${lane.name} has ${dirty} uncommitted change${dirty === 1 ? '' : 's'} in its worktree; only its commits are part of the pull request or review request (lanes pr commits nothing)`,
    );
  const [numstat, log] = await Promise.all([
    git.git(cwd, ['diff', '--numstat', '-z', `${baseCommit}...${head}`, '--'], { signal }),
    git.git(cwd, ['log', '-z', '--reverse', '--format=%s', `${baseCommit}..${head}`, '--'], { signal }),
  ]);
  const diffStat = diffStatFromNumstat(numstat.stdout);
  const commits = log.stdout.split('\0').filter((s) => s.trim() !== '');

  const issue = await laneIssue(ctx, lane, config, warnings);
  const title = pullRequestTitle(lane.issue);
  const body = pullRequestBody({
    lane: lane.name,
    issue: lane.issue,
    acceptanceCriteria: issue?.acceptanceCriteria ?? [],
    commits,
    closes: closingReference(lane, issue, config),
  });

  const forge = await ctx.forge();
  let remote = forgeRemote(config.forge);
  const now = ctx.clock.now().toISOString();
  const previous = store.reviews.getReviewRequest(lane.name, lane.createdAt);
  let record: ReviewRequestRecord;
  let created: boolean;
  let pushStatus: PushStatus | null = null;

  if (forge) {
    if (!remote) throw new InputError('a GitHub forge needs a remote to push to: set forge.remote');
    pushStatus = await pushBranch(cwd, lane, remote, signal);
    const base = await remoteBranchName(cwd, lane.base, remote, signal);
    try {
      const open = await forge.findPullRequest(lane.branch, signal);
      const pr = open
        ? await forge.updatePullRequest(open.number, { title, body }, signal)
        : await forge.createPullRequest({ title, body, branch: lane.branch, base, draft: opts.draft ?? false }, signal);
      created = !open;
      if (open && opts.draft && !open.draft)
        warnings.push(
          `pull request #${open.number} was already open and ready for review; --draft does not turn it back into a draft`,
        );
      record = {
        lane: lane.name,
        kind: 'github',
        number: pr.number,
        url: pr.url,
        base,
        baseCommit,
        head,
        diffStat,
        draft: pr.draft,
        pushedTo: remote,
        createdAt: previous?.kind === 'github' && previous.number === pr.number ? previous.createdAt : now,
        updatedAt: now,
      };
    } catch (err) {
      // The push stands (it lost nothing); say so before the forge's own message.
      if (err instanceof LanesError)
        ctx.io.err(`lanes: ${lane.branch} was pushed to ${remote}, but ${forge.name} did not take the pull request:`);
      throw err;
    }
  } else {
    // No forge: a push only when the config asks for one (forge.type local with a remote).
    remote = config.forge?.type === 'local' ? config.forge.remote : undefined;
    if (remote) pushStatus = await pushBranch(cwd, lane, remote, signal);
    created = previous?.kind !== 'local';
    record = {
      lane: lane.name,
      kind: 'local',
      number: null,
      url: null,
      base: lane.base,
      baseCommit,
      head,
      diffStat,
      draft: opts.draft ?? false,
      pushedTo: remote ?? null,
      createdAt: previous?.kind === 'local' ? previous.createdAt : now,
      updatedAt: now,
    };
  }

  const round = store.reviews.latestVerdict(lane.name, lane.createdAt)?.round ?? 0;
  store.reviews.putReviewRequest(record);
  store.updateLane(lane.name, (l) => ({ ...l, validation: { state: 'pr-open', round, reason: null, updatedAt: now } }));

  if (created && record.url) {
    const outcome = await writeBack(
      ctx,
      { id: lane.issue.id, key: issue?.key, source: lane.issue.source },
      { kind: 'pull-request', lane: lane.name, url: record.url },
    );
    warnings.push(...outcome.problems);
  }
  return {
    lane: lane.name,
    request: record,
    created,
    pushed: pushStatus ? remote! : null,
    pushStatus,
    title,
    warnings,
  };
}

/** The full issue (for its acceptance criteria and key) when the configured source is the lane's. */
async function laneIssue(
  ctx: Context,
  lane: LaneRecord,
  config: Config,
  warnings: string[],
): Promise<Issue | undefined> {
  if (config.issues.source !== lane.issue.source) {
    warnings.push(
      `issue ${lane.issue.id} is a ${lane.issue.source} issue and the configured source is ${config.issues.source}: the description has no acceptance criteria`,
    );
    return undefined;
  }
  try {
    return await (await ctx.issueSource()).getIssue(lane.issue.id, ctx.signal);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    warnings.push(
      `could not read issue ${lane.issue.id} (${errorMessage(err)}); the description has no acceptance criteria`,
    );
    return undefined;
  }
}

/** `#12` for an issue of the pull request's repository, `owner/repo#12` for one of another. */
function closingReference(lane: LaneRecord, issue: Issue | undefined, config: Config): string | null {
  if (lane.issue.source !== 'github') return null;
  const forgeRepo = config.forge?.type === 'github' ? config.forge.repo : undefined;
  if (forgeRepo && issue?.key && !issue.key.toLowerCase().startsWith(`${forgeRepo.toLowerCase()}#`)) return issue.key;
  return `#${lane.issue.id}`;
}

/**
 * The base as a branch of the remote: a lane based on `origin/main` targets `main`; a local branch
 * name is taken as it is.
 */
async function remoteBranchName(cwd: string, base: string, remote: string, signal: AbortSignal): Promise<string> {
  if (base.startsWith(`${remote}/`) && (await git.resolveCommit(cwd, `refs/remotes/${base}`, { signal })))
    return base.slice(remote.length + 1);
  return base.replace(/^refs\/heads\//, '');
}

/**
 * `git push --porcelain <remote> refs/heads/<b>:refs/heads/<b>`: never forced, so a remote branch
 * with commits the lane lacks is refused and nothing is lost on either side.
 */
async function pushBranch(cwd: string, lane: LaneRecord, remote: string, signal: AbortSignal): Promise<PushStatus> {
  const known = await git.git(cwd, ['remote', 'get-url', '--', remote], { check: false, signal });
  if (known.exitCode !== 0)
    throw new InputError(
      `lanes pr pushes ${lane.branch} to the remote ${JSON.stringify(remote)}, which this repository does not have`,
      {
        hint: `add it (git remote add ${remote} <url>) or name another in forge.remote of lanes.config.json`,
      },
    );
  const ref = `refs/heads/${lane.branch}`;
  const res = await git.git(cwd, ['push', '--porcelain', '--', remote, `${ref}:${ref}`], {
    check: false,
    signal,
    timeoutMs: PUSH_TIMEOUT_MS,
  });
  const pushed = parsePushPorcelain(res.stdout).find((r) => r.to === ref);
  if (res.exitCode === 0 && pushed && pushed.status !== 'rejected') return pushed.status;
  if (pushed && isBehindRemote(pushed))
    throw new ToolError(
      `the remote ${remote} refused ${lane.branch} (${pushed.summary}): its ${lane.branch} has commits the lane does not; nothing was pushed and nothing changed locally`,
      {
        hint: `bring them into the lane (git -C ${lane.path} pull --rebase ${remote} ${lane.branch}), then run lanes pr ${lane.name} again`,
      },
    );
  const why =
    pushed?.summary ||
    res.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^(To |hint:)/.test(l))
      .slice(0, 2)
      .join('; ') ||
    `git push exited with ${res.exitCode}`;
  throw new ToolError(`could not push ${lane.branch} to ${remote}: ${why}; nothing changed locally`, {
    hint: 'check the remote URL and your access to it (git remote -v)',
  });
}
