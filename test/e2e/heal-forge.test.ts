// `lanes heal --apply` with a GitHub forge (the fake GitHub server speaking the REST wire format):
// the branch is pushed and opened as a pull request against the base; and heal.maxActive: applying
// more rules than it allows retires the active one in the same change.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealChangeResult, HealProposal } from '../../src/app/heal.js';
import { bareBranchSha, startFakeGithub, type FakeGithub } from '../fakes/github-server.js';
import { makeAgentRepo, endpointPool, type AgentRepo } from '../helpers/agents.js';
import { groupsOf, healScript, IMPLEMENTER_RULE, REVIEWER_RULE, RULES_MD, storeFindings } from '../helpers/heal.js';
import { agentsMissing } from '../helpers/requirements.js';
import { json } from '../helpers/repo.js';

const TOKEN = 'ghp_heal_e2e';
let gh: FakeGithub | undefined;
let repo: AgentRepo | undefined;
const endpoints = endpointPool();
afterEach(async () => {
  await repo?.dispose();
  await endpoints.closeAll();
  await gh?.close();
  repo = gh = undefined;
});

describe.skipIf(agentsMissing())('lanes heal --apply on GitHub, within heal.maxActive', () => {
  it('pushes the rules branch and opens its pull request; the cap retires the active rule for the next', async () => {
    let remote = '';
    gh = await startFakeGithub({
      token: TOKEN,
      branchSha: (branch) => bareBranchSha(remote, branch),
    });
    const idle = await endpoints.start({ turns: [] });
    const r = makeAgentRepo({
      endpoint: idle,
      issues: 1,
      config: { forge: { type: 'github', repo: 'octo/app', baseUrl: gh.url }, heal: { maxActive: 1 } },
      files: { 'CLAUDE.md': RULES_MD },
    });
    repo = r;
    remote = join(r.parent, 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', remote], { env: r.env });
    r.git('remote', 'add', 'origin', remote);
    r.git('push', '-q', 'origin', 'main');
    storeFindings(r);
    const healer = await endpoints.start(healScript(groupsOf(r)));
    const env = { LANES_AGENT_BASE_URL: healer.url, GITHUB_TOKEN: TOKEN, GH_CONFIG_DIR: join(r.home, 'gh') };

    const proposal = json<HealProposal>(await r.run(['heal', '--json'], { env }));
    expect(proposal.proposed.map((p) => p.text)).toEqual([IMPLEMENTER_RULE, REVIEWER_RULE]);
    const [first, second] = proposal.proposed.map((p) => p.id);

    // maxActive 1: the first rule only; the second waits.
    const applied = await r.run(['heal', '--apply', '--json'], { env });
    expect(applied.code, applied.stderr).toBe(0);
    const change = json<HealChangeResult>(applied);
    expect(change.activated.map((a) => a.id)).toEqual([first]);
    expect(change.retired).toEqual([]);
    expect(change.change).toMatchObject({ kind: 'github', base: 'main' });
    const branch = change.change!.branch;
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]).toMatchObject({ head: branch, base: 'main', number: change.change!.number });
    const pushed = execFileSync('git', ['--git-dir', remote, 'rev-parse', `refs/heads/${branch}`], {
      encoding: 'utf8',
    }).trim();
    expect(pushed).toBe(change.change!.commit);
    expect(r.git('show', `${branch}:CLAUDE.md`)).toContain(IMPLEMENTER_RULE);
    expect(r.git('show', `${branch}:CLAUDE.md`)).not.toContain(REVIEWER_RULE);

    // Merged; applying the second rule retires the first (over the cap) in the same change.
    r.git('merge', '-q', '--ff-only', branch);
    r.git('push', '-q', 'origin', 'main');
    const next = json<HealChangeResult>(await r.run(['heal', '--apply', '--json'], { env }));
    expect(next.activated.map((a) => a.id)).toEqual([second]);
    expect(next.retired.map((a) => [a.id, a.retiredWhy])).toEqual([
      [first, 'over heal.maxActive (1); least effective'],
    ]);
    const claude = r.git('show', `${next.change!.branch}:CLAUDE.md`);
    expect(claude).toContain(REVIEWER_RULE);
    expect(claude).not.toContain(IMPLEMENTER_RULE);
    expect(claude.startsWith(RULES_MD)).toBe(true);
    expect(gh.pulls).toHaveLength(2);
  });
});
