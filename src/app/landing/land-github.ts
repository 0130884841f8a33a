/**
 * Landing a lane that has a GitHub pull request: the base is moved by GitHub, not locally. The
 * synced branch is pushed (with a lease on what the remote had: the old head is kept under the
 * lane's backup ref, and someone else's push to the branch is refused, not overwritten), the base on
 * the remote is checked to still be the commit the lane was synced onto and tested on, and the pull
 * request is merged through the API with `sha` = the tested head (GitHub refuses if the head moved)
 * and the repository's merge method. Then the base is fetched and the local base follows it.
 */
import { InputError, ToolError } from '../../domain/errors.js';
import type { MergeMethod } from '../../contracts/forge.js';
import type { LaneRecord } from '../../domain/lane.js';
import { forgeRemote } from '../../domain/forge-remote.js';
import * as git from '../../infra/git.js';
import type { Context } from '../context.js';
import { advanceBase } from './advance-base.js';
import { laneBase } from './sync-lane.js';

export interface LandedPullRequest {
  number: number;
  method: MergeMethod;
  /** The head GitHub was told to merge. */
  sha: string;
  /** The commit the merge made on the base (null when it was not merged because the base moved). */
  mergeSha: string | null;
  /** The remote base after the merge (fetched). */
  baseAfter: string | null;
  /** The remote's base was not where the lane was tested: fetched, the lane must be synced again. */
  moved: boolean;
}

const PREFERRED: MergeMethod[] = ['merge', 'squash', 'rebase'];

export async function landPullRequest(
  ctx: Context,
  lane: LaneRecord,
  number: number,
  head: string,
  testedOn: string,
  runId: number,
): Promise<LandedPullRequest> {
  const [config, store, repo] = await Promise.all([ctx.config(), ctx.store(), ctx.repo()]);
  const forge = await ctx.forge();
  if (!forge)
    throw new InputError(`lane ${lane.name} has GitHub pull request #${number} but no GitHub forge is configured`, {
      hint: 'set forge in lanes.config.json, or land it by hand',
    });
  const remote = forgeRemote(config.forge) ?? 'origin';
  const request = store.reviews.getReviewRequest(lane.name, lane.createdAt);
  const baseBranch = request?.base ?? lane.base.replace(/^refs\/heads\//, '');
  const signal = ctx.signal;
  const cwd = repo.mainRoot;

  // The remote's base must be the commit the lane was tested on; else fetch it and sync again.
  const remoteBase = await lsRemote(cwd, remote, baseBranch, signal);
  const method = config.land.mergeMethod ?? pickMethod(await forge.allowedMergeMethods(signal), forge.name);
  const out: LandedPullRequest = { number, method, sha: head, mergeSha: null, baseAfter: null, moved: false };
  if (remoteBase !== testedOn) {
    out.baseAfter = await fetchBase(ctx, lane, remote, baseBranch);
    out.moved = true;
    return out;
  }

  // Push the synced head; the lease makes a push by someone else since a failure, not a loss.
  const ref = `refs/heads/${lane.branch}`;
  const there = await lsRemote(cwd, remote, lane.branch, signal);
  const push = await git.git(
    cwd,
    ['push', '--porcelain', `--force-with-lease=${ref}:${there ?? ''}`, '--', remote, `${head}:${ref}`],
    { signal, check: false },
  );
  if (push.exitCode !== 0)
    throw new ToolError(
      `could not push ${lane.branch} to ${remote}: ${push.stderr.trim().split('\n').slice(-1)[0] ?? ''}`,
      { hint: 'someone else may have pushed to the branch; fetch it and look' },
    );
  store.landRuns.addStep(runId, {
    lane: lane.name,
    step: 'advance',
    at: ctx.clock.now().toISOString(),
    ref: `${remote}/${baseBranch}`,
    from: testedOn,
    to: head,
    reason: `pull request #${number} (${method})`,
  });
  out.mergeSha = await forge.mergePullRequest(number, { sha: head, method }, signal);
  out.baseAfter = await fetchBase(ctx, lane, remote, baseBranch);
  store.landRuns.addStep(runId, {
    lane: lane.name,
    step: 'landed',
    at: ctx.clock.now().toISOString(),
    ref: `${remote}/${baseBranch}`,
    from: testedOn,
    to: out.baseAfter ?? out.mergeSha,
  });
  return out;
}

function pickMethod(allowed: MergeMethod[], forgeName: string): MergeMethod {
  const method = PREFERRED.find((m) => allowed.includes(m));
  if (!method) throw new ToolError(`${forgeName} allows no merge method; set land.mergeMethod`);
  return method;
}

async function lsRemote(cwd: string, remote: string, branch: string, signal: AbortSignal): Promise<string | undefined> {
  const res = await git.git(cwd, ['ls-remote', '--', remote, `refs/heads/${branch}`], { signal, timeoutMs: 60_000 });
  return res.stdout.split('\t')[0]?.trim() || undefined;
}

/**
 * Fetches the remote's base into its remote-tracking ref and moves the local base up to it when it
 * is behind (never back, never across a local commit the remote lacks).
 */
async function fetchBase(ctx: Context, lane: LaneRecord, remote: string, branch: string): Promise<string | null> {
  const repo = await ctx.repo();
  const tracking = `refs/remotes/${remote}/${branch}`;
  await git.git(repo.mainRoot, ['fetch', '--quiet', '--', remote, `+refs/heads/${branch}:${tracking}`], {
    signal: ctx.signal,
    timeoutMs: 5 * 60_000,
  });
  const fetched = (await git.resolveCommit(repo.mainRoot, tracking, { signal: ctx.signal })) ?? null;
  const base = await laneBase(ctx, lane);
  if (fetched && base.ref.startsWith('refs/heads/') && base.commit !== fetched) {
    if (await git.isAncestor(repo.mainRoot, base.commit, fetched, { signal: ctx.signal }))
      await advanceBase(ctx, base.ref, base.commit, fetched);
  }
  return fetched;
}
