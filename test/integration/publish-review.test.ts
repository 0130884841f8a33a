/**
 * openPullRequest and publishVerdict as use cases, on a real repository, state and bare remote,
 * with the fake GitHub as the forge: the lane's validation state after `lanes pr`; a stored
 * verdict posted as one review (line comments where the diff has the line, the rest in the body),
 * found again instead of posted twice, posted without line comments when GitHub refuses them, a
 * failure returned as a warning; and the local markdown record without a forge.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../../src/app/context.js';
import { createLanes } from '../../src/app/create-lane.js';
import { openPullRequest } from '../../src/app/validation/open-pull-request.js';
import { publishVerdict } from '../../src/app/validation/publish-review.js';
import type { LaneRecord } from '../../src/domain/lane.js';
import type { Finding } from '../../src/domain/review.js';
import { reviewMarkdown } from '../../src/domain/review-markdown.js';
import type { VerdictRecord } from '../../src/infra/review-store.js';
import { startFakeGithub, type FakeGithub } from '../fakes/github-server.js';
import { makeLaneRepo, type LaneRepo } from '../helpers/lane-repo.js';

const TOKEN = 'ghp_publish';
let gh: FakeGithub;
/** Lines GitHub shows for the lane's diff: the new file a.ts, 30 lines; nothing of README.md. */
let commentable = (path: string, line: number) => path === 'a.ts' && line >= 1 && line <= 30;
const repos: LaneRepo[] = [];

beforeAll(async () => {
  gh = await startFakeGithub({ token: TOKEN, commentable: (_pull, path, line) => commentable(path, line) });
});
afterAll(async () => {
  await gh.close();
});
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
  // Each test's repository is new, with the same branch and commits: GitHub starts empty too.
  gh.pulls.length = 0;
  gh.reviews.length = 0;
});

function finding(over: Partial<Finding>): Finding {
  return {
    id: 'R1-1',
    severity: 'major',
    category: 'bug',
    file: 'a.ts',
    line: 12,
    endLine: null,
    message: 'Wrong value.',
    suggestion: null,
    confidence: 0.9,
    reviewers: ['claude'],
    ...over,
  };
}

async function laneWithCommit(config: Record<string, unknown>, remote: boolean) {
  const repo = await makeLaneRepo(config);
  repos.push(repo);
  if (remote) {
    const bare = join(repo.dir, 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', bare], { env: repo.env });
    await repo.git('remote', 'add', 'origin', bare);
  }
  const ctx = repo.context({ GITHUB_TOKEN: TOKEN, GH_CONFIG_DIR: join(repo.dir, 'gh') });
  const made = await createLanes(ctx, ['1']);
  const lane = made.created[0]!;
  writeFileSync(join(lane.path, 'a.ts'), Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
  execFileSync('git', ['-C', lane.path, 'add', '-A'], { env: repo.env });
  execFileSync('git', ['-C', lane.path, 'commit', '-q', '-m', 'Add a.ts'], { env: repo.env });
  return { repo, ctx, lane };
}

async function storeVerdict(
  ctx: Context,
  lane: LaneRecord,
  round: number,
  findings: Finding[],
): Promise<VerdictRecord> {
  const store = await ctx.store();
  const request = store.reviews.getReviewRequest(lane.name)!;
  const verdict: Omit<VerdictRecord, 'id'> = {
    lane: lane.name,
    round,
    head: request.head,
    base: request.baseCommit,
    verdict: 'request-changes',
    findings,
    audit: { criteria: [{ text: 'A widget', status: 'unmet', evidence: [] }], scopeDrift: [] },
    disputes: [],
    disagreements: [],
    reviewers: ['claude'],
    reviewIds: [],
    adversarial: false,
    createdAt: new Date().toISOString(),
  };
  return { ...verdict, id: store.reviews.insertVerdict(verdict) };
}

describe('publishing a verdict on GitHub', () => {
  it('opens the pull request, then posts one review: line comments on the diff, the rest in the body', async () => {
    const { ctx, lane } = await laneWithCommit(
      { issues: { source: 'local' }, forge: { type: 'github', repo: 'octo/app', baseUrl: gh.url } },
      true,
    );
    const pr = await openPullRequest(ctx, 'issue-1');
    expect(pr.request).toMatchObject({ kind: 'github', pushedTo: 'origin' });
    const store = await ctx.store();
    expect(store.getLane('issue-1')!.validation).toMatchObject({ state: 'pr-open', round: 0, reason: null });
    // A local issue: no `Closes`, and the body says where the issue is.
    expect(gh.pulls.at(-1)!.body).toContain('1: Add a widget (a local issue)');
    expect(gh.pulls.at(-1)!.body).not.toContain('Closes');

    const verdict = await storeVerdict(ctx, lane, 1, [
      finding({ id: 'R1-1', line: 12 }),
      finding({ id: 'R1-2', line: 13, endLine: 15, severity: 'minor', suggestion: 'Merge them.' }),
      finding({ id: 'R1-3', line: 40, endLine: 45, category: 'style' }),
      finding({ id: 'R1-4', file: null, line: null, category: 'missing-test', message: 'No test.' }),
      finding({ id: 'R1-5', file: 'README.md', line: 1, outsideDiff: true, message: 'Docs untouched.' }),
    ]);
    const published = await publishVerdict(ctx, lane, verdict);
    const review = gh.reviews.at(-1)!;
    expect(published).toEqual({
      where: 'github',
      url: `${gh.url}/octo/app/pull/${pr.request.number}#pullrequestreview-${review.id}`,
      warning: null,
    });
    expect(review).toMatchObject({ pull: pr.request.number, commit_id: verdict.head, event: 'COMMENT' });
    expect(review.comments.map((c) => [c.path, c.start_line, c.line, c.side])).toEqual([
      ['a.ts', undefined, 12, 'RIGHT'],
      ['a.ts', 13, 15, 'RIGHT'],
    ]);
    expect(review.comments[1]!.body).toContain('**Suggestion:** Merge them.');
    expect(review.body).toBe(reviewMarkdown(verdict, { inline: new Set(['R1-1', 'R1-2']) }));
    expect(review.body).toContain('#### R1-3');
    expect(review.body).toContain('#### R1-4');
    expect(review.body).toContain('`README.md:1` (outside the diff)');
    expect(review.body).not.toContain('#### R1-1');

    // Publishing the same round again finds the review instead of posting a second.
    expect(await publishVerdict(ctx, lane, verdict)).toEqual(published);
    expect(gh.reviews.filter((r) => r.pull === pr.request.number)).toHaveLength(1);
  });

  it('posts every finding in the body when GitHub refuses a line comment, and says so', async () => {
    const { ctx, lane } = await laneWithCommit(
      { issues: { source: 'local' }, forge: { type: 'github', repo: 'octo/app', baseUrl: gh.url } },
      true,
    );
    await openPullRequest(ctx, 'issue-1');
    const verdict = await storeVerdict(ctx, lane, 1, [finding({ id: 'R1-1', line: 12 })]);
    const saved = commentable;
    commentable = () => false;
    try {
      const published = await publishVerdict(ctx, lane, verdict);
      expect(published.where).toBe('github');
      expect(published.url).toMatch(/#pullrequestreview-\d+$/);
      expect(published.warning).toBe(
        'GitHub refused the review on pull request #' +
          `${gh.pulls.at(-1)!.number} of octo/app: Pull request review thread line must be part of the diff; ` +
          'the review was posted with every finding in its body instead of as line comments',
      );
      expect(gh.reviews.at(-1)!.comments).toEqual([]);
      expect(gh.reviews.at(-1)!.body).toContain('#### R1-1');
    } finally {
      commentable = saved;
    }
  });

  it('returns a warning naming how to post again when GitHub fails; nothing is thrown', async () => {
    const { ctx, lane } = await laneWithCommit(
      { issues: { source: 'local' }, forge: { type: 'github', repo: 'octo/app', baseUrl: gh.url } },
      true,
    );
    await openPullRequest(ctx, 'issue-1');
    const verdict = await storeVerdict(ctx, lane, 1, []);
    const reviews = gh.reviews.length;
    gh.failNext(500, 5);
    try {
      const published = await publishVerdict(ctx, lane, verdict);
      expect(published.where).toBe('github');
      expect(published.url).toBeNull();
      expect(published.warning).toMatch(
        /^could not post the review on pull request #\d+: GitHub failed on the reviews of pull request #\d+ of octo\/app \(500: Server Error\); try again later; the verdict is stored, and lanes review issue-1 publishes it again$/,
      );
      expect(gh.reviews.length).toBe(reviews);
    } finally {
      gh.failNext(0, 0);
    }
  });
});

describe('publishing a verdict without a forge', () => {
  it('writes the round as markdown under the state folder and returns its path', async () => {
    const { ctx, lane } = await laneWithCommit({ issues: { source: 'local' } }, false);
    const pr = await openPullRequest(ctx, 'issue-1');
    expect(pr.request.kind).toBe('local');
    const verdict = await storeVerdict(ctx, lane, 1, [finding({ id: 'R1-1' })]);
    const published = await publishVerdict(ctx, lane, verdict);
    const store = await ctx.store();
    const file = join(store.dir, 'reviews', 'issue-1', 'round-1.md');
    expect(published).toEqual({ where: 'local', url: file, warning: null });
    expect(readFileSync(file, 'utf8')).toBe(reviewMarkdown(verdict));
    expect(readFileSync(file, 'utf8')).toContain('#### R1-1 · major · bug\n\n`a.ts:12`');
  });
});
