import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LaneRecord } from '../../domain/lane.js';
import { makeRepo, type TempRepo } from '../../../test/helpers/repo.js';
import {
  addReviewCheckout,
  ownerAlive,
  ownerReason,
  removeReviewCheckout,
  reviewCheckoutPath,
  reviewCheckoutsLeft,
} from './review-checkout.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

function setup(): { r: TempRepo; lane: LaneRecord; head: string } {
  const r = makeRepo();
  repo = r;
  const lane = { name: 'issue-1', path: join(r.parent, 'app-worktrees', 'issue-1') } as LaneRecord;
  return { r, lane, head: r.git('rev-parse', 'HEAD') };
}

function deadPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout,
  );
}

describe('review checkouts', () => {
  it('are detached checkouts of the head beside the lanes, locked with their owner, found and removed', async () => {
    const { r, lane, head } = setup();
    const path = reviewCheckoutPath(lane, 12, 'my agent/x');
    expect(path).toBe(join(r.parent, 'app-worktrees', '.lanes-review', 'issue-1', '12-my_agent_x'));
    await addReviewCheckout(r.root, path, head, {});
    expect(r.git('-C', path, 'rev-parse', 'HEAD')).toBe(head);
    expect(r.git('-C', path, 'branch', '--show-current')).toBe('');
    const [left, ...more] = await reviewCheckoutsLeft(r.root, {});
    expect(more).toEqual([]);
    expect(left).toEqual({
      path,
      lane: 'issue-1',
      reviewId: 12,
      owner: { pid: process.pid, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
    expect(ownerAlive(left!)).toBe(true);
    // The lock keeps git's own pruning off it.
    r.git('worktree', 'prune');
    expect(await reviewCheckoutsLeft(r.root, {})).toHaveLength(1);

    writeFileSync(join(path, 'scratch.txt'), 'written by a command\n');
    await removeReviewCheckout(r.root, path);
    expect(existsSync(path)).toBe(false);
    expect(await reviewCheckoutsLeft(r.root, {})).toEqual([]);
  });

  it('ignore the lanes’ own worktrees and other worktrees', async () => {
    const { r } = setup();
    r.git('worktree', 'add', '-q', '-b', 'other', join(r.parent, 'app-worktrees', 'issue-2'));
    expect(await reviewCheckoutsLeft(r.root, {})).toEqual([]);
  });

  it('replace a leftover at the same path whose owner is gone, and never one whose owner lives', async () => {
    const { r, lane, head } = setup();
    const path = reviewCheckoutPath(lane, 0, 'commands');
    r.git('worktree', 'add', '-q', '--detach', '--lock', '--reason', ownerReason(deadPid(), new Date()), path, head);
    await addReviewCheckout(r.root, path, head, {});
    expect((await reviewCheckoutsLeft(r.root, {}))[0]!.owner!.pid).toBe(process.pid);
    // Now owned by a live process (this one): a second review does not take it over.
    await expect(addReviewCheckout(r.root, path, head, {})).rejects.toThrow(/already exists/);
    expect(existsSync(path)).toBe(true);
  });

  it('remove a locked checkout whose folder is already gone', async () => {
    const { r, lane, head } = setup();
    const path = reviewCheckoutPath(lane, 4, 'claude');
    await addReviewCheckout(r.root, path, head, {});
    rmSync(path, { recursive: true, force: true });
    expect(await reviewCheckoutsLeft(r.root, {})).toHaveLength(1);
    await removeReviewCheckout(r.root, path);
    expect(await reviewCheckoutsLeft(r.root, {})).toEqual([]);
  });
});
