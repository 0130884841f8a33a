// `lanes heal` with the real Claude Code CLI against the fake model server: findings stored as
// lanes review and lanes fix store them (verdicts and answers written into the real state file),
// a patch out whose rules cite them, --apply on a branch of its own, heal twice proposes nothing
// new, local edits inside the section survive a later change, and --report.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealChangeResult, HealProposal, RuleReportEntry } from '../../src/app/heal.js';
import type { FakeScript } from '../fakes/model-server/index.js';
import { makeAgentRepo, endpointPool, type AgentRepo, type ModelEndpoint } from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';
import { json } from '../helpers/repo.js';
import { groupsOf, healScript, IMPLEMENTER_RULE, REVIEWER_RULE, RULES_MD, storeFindings } from '../helpers/heal.js';

const withoutAgents = agentsMissing();

let repo: AgentRepo | undefined;
const endpoints = endpointPool();
afterEach(async () => {
  await repo?.dispose();
  await endpoints.closeAll();
  repo = undefined;
});

async function endpointFor(script: FakeScript): Promise<ModelEndpoint> {
  const endpoint = await endpoints.start(script);
  return endpoint;
}

describe.skipIf(withoutAgents)('lanes heal with the real Claude Code CLI', () => {
  it('says so when no findings are stored yet, and exits 0 without starting an agent', async () => {
    const r = makeAgentRepo({ endpoint: await endpointFor({ turns: [] }), issues: 1 });
    repo = r;
    const res = await r.run(['heal']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('no review findings are stored yet');
    const j = json<HealProposal>(await r.run(['heal', '--json']));
    expect(j).toMatchObject({ findings: 0, proposed: [], pending: [], patch: '' });
    expect(r.runs()).toEqual([]);
  });

  it('proposes cited rules as a patch, applies them on a branch of their own, and proposes nothing new after', async () => {
    // The endpoint is replaced once the group ids are known (they hash the stored findings).
    const r = makeAgentRepo({
      endpoint: await endpointFor({ turns: [] }),
      issues: 1,
      files: { 'CLAUDE.md': RULES_MD, 'AGENTS.md': RULES_MD },
    });
    repo = r;
    storeFindings(r);
    const healer = await endpointFor(healScript(groupsOf(r)));
    const env = { LANES_AGENT_BASE_URL: healer.url };
    const mainBefore = r.git('rev-parse', 'main');

    const first = await r.run(['heal', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const proposal = json<HealProposal>(first);
    expect(proposal.findings).toBe(5);
    expect(proposal.learned).toBe(4);
    expect(proposal.proposed.map((p) => [p.direction, p.text, p.scope])).toEqual([
      ['implementer', IMPLEMENTER_RULE, ['src/api/**']],
      ['reviewer', REVIEWER_RULE, ['lib/**']],
    ]);
    expect(proposal.proposed[0]!.citations.map((c) => `${c.lane} ${c.id} ${c.file}:${c.line}`)).toEqual([
      'issue-1 R1-1 src/api/users.ts:12',
      'issue-2 R1-1 src/api/orders.ts:40',
    ]);
    expect(proposal.files).toEqual(['CLAUDE.md', 'AGENTS.md']);
    // The patch adds the same section to both files, each rule citing its findings.
    const { patch } = proposal;
    expect(patch).toContain('diff --git a/CLAUDE.md b/CLAUDE.md');
    expect(patch).toContain('diff --git a/AGENTS.md b/AGENTS.md');
    const implementerId = proposal.proposed[0]!.id;
    expect(patch).toContain(`+- **${implementerId}** (for implementers; scope \`src/api/**\`): ${IMPLEMENTER_RULE}`);
    expect(patch).toContain('+  - from issue-1 round 1, src/api/users.ts:12: "Crashes on empty input"');
    expect(patch).toContain('+  - from issue-4 round 1, lib/b.py:9: "Missing null check on the value"');
    expect(patch).not.toContain('Long line');
    // One heal run, recorded with phase heal beside every lane, in a folder without the rules files.
    const runs = r.runs();
    expect(runs.map((x) => [x.lane, x.phase, x.status])).toEqual([['.heal', 'heal', 'done']]);
    const prompt = readFileSync(join(runs[0]!.runDir, 'prompt.md'), 'utf8');
    expect(prompt).toContain('The handler crashes when the input is empty');
    expect(prompt).toContain('Use tabs.');
    const launch = JSON.parse(readFileSync(join(runs[0]!.runDir, 'launch.json'), 'utf8')) as {
      launch: { cwd: string };
    };
    expect(launch.launch.cwd.startsWith(r.root)).toBe(false);
    // Nothing changed in the repository yet.
    expect(r.git('status', '--porcelain')).toBe('');
    expect(r.git('branch', '--list', 'lanes/*')).toBe('');

    // Twice: nothing new, no second agent run, the same pending patch.
    const again = json<HealProposal>(await r.run(['heal', '--json'], { env }));
    expect(again.proposed).toEqual([]);
    expect(again.pending.map((p) => p.id)).toEqual(proposal.proposed.map((p) => p.id));
    expect(again.patch).toBe(patch);
    expect(again.message).toContain('nothing new to propose');
    expect(r.runs()).toHaveLength(1);
    const text = await r.run(['heal'], { env });
    expect(text.stdout.trim()).toBe(patch.trim());

    // --apply: a branch holding exactly that change, on top of main; main and the worktree untouched.
    const applied = await r.run(['heal', '--apply', '--json'], { env });
    expect(applied.code, applied.stderr).toBe(0);
    const change = json<HealChangeResult>(applied);
    expect(change.change).toMatchObject({ kind: 'local', base: 'main', url: null });
    const branch = change.change!.branch;
    expect(branch).toMatch(/^lanes\/heal-\d{4}-\d{2}-\d{2}$/);
    expect(r.git('rev-parse', `${branch}^`)).toBe(mainBefore);
    expect(`${r.git('diff', 'main', branch)}\n`).toBe(patch);
    expect(r.git('rev-parse', 'main')).toBe(mainBefore);
    expect(r.git('status', '--porcelain')).toBe('');
    expect(readFileSync(join(r.root, 'CLAUDE.md'), 'utf8')).toBe(RULES_MD);
    expect(change.activated.map((a) => a.status)).toEqual(['active', 'active']);

    // After apply: nothing pending, nothing new; after merging, the files state the rules.
    const after = json<HealProposal>(await r.run(['heal', '--json'], { env }));
    expect(after).toMatchObject({ proposed: [], pending: [], patch: '' });
    r.git('merge', '-q', '--ff-only', branch);
    const merged = json<HealProposal>(await r.run(['heal', '--json'], { env }));
    expect(merged).toMatchObject({ proposed: [], pending: [], patch: '' });
    expect(r.runs()).toHaveLength(1);

    // A local edit inside the section survives retiring the other rule (the patch goes on top).
    const reviewerId = proposal.proposed[1]!.id;
    for (const file of ['CLAUDE.md', 'AGENTS.md']) {
      const edited = readFileSync(join(r.root, file), 'utf8').replace(
        IMPLEMENTER_RULE,
        'Reject empty input first (our wording).',
      );
      r.write(file, `${edited}Local notes after the section.\n`);
    }
    r.commitAll('reword a rule');
    const retired = await r.run(['heal', '--retire', reviewerId, '--json'], { env });
    expect(retired.code, retired.stderr).toBe(0);
    const removal = json<HealChangeResult>(retired);
    const retireBranch = removal.change!.branch;
    const claude = r.git('show', `${retireBranch}:CLAUDE.md`);
    expect(claude).toContain('Reject empty input first (our wording).');
    expect(claude).toContain('Local notes after the section.');
    expect(claude).not.toContain(REVIEWER_RULE);
    expect(r.git('diff', '--stat', 'main', retireBranch)).toContain('2 files changed');

    const report = json<{ rules: RuleReportEntry[] }>(await r.run(['heal', '--report', '--json'], { env }));
    expect(report.rules.map((x) => [x.rule, x.status])).toEqual([
      [implementerId, 'active'],
      [reviewerId, 'retired'],
    ]);
    // Before it became active: two of the four reviewed lanes had a finding of its kind.
    expect(report.rules[0]!.before).toEqual({ findings: 2, lanes: 4, perLane: 0.5 });
    expect(report.rules[0]!.after).toEqual({ findings: 0, lanes: 0, perLane: 0 });
  });

  it('refuses a second apply without proposals, and an unknown rule, with exit 2', async () => {
    const r = makeAgentRepo({ endpoint: await endpointFor({ turns: [] }), issues: 1 });
    repo = r;
    const apply = await r.run(['heal', '--apply']);
    expect(apply.code).toBe(2);
    expect(apply.stderr).toContain('there are no proposed rules to apply');
    const retire = await r.run(['heal', '--retire', 'H-nothing']);
    expect(retire.code).toBe(2);
    expect(retire.stderr).toContain('no rule "H-nothing"');
  });
});
