// Seeded SIGKILL trials of `lanes new`, `lanes rm --force`, `lanes run` and `lanes doctor --fix`:
// each trial kills the command at a random moment of its run (the process alone, or its whole
// process group), runs `lanes doctor --fix` and `lanes doctor`, and checks every invariant of
// harness.ts. Counts: LANES_RELIABILITY=full for ≥50 trials per command; seed: LANES_RELIABILITY_SEED.
import { existsSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PortRegistry, userStateDir } from '../../src/infra/port-registry.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAgentRepo, startModelEndpoint, writeAndCommit, type ModelEndpoint } from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';
import {
  COUNTS,
  FULL,
  backupsDir,
  checkInvariants,
  cli,
  commitIn,
  describeFailures,
  filesAsBytes,
  gitIn,
  killAfter,
  makeTrialRepo,
  prng,
  printTally,
  recover,
  snapshot,
  startCli,
  tally,
  TIMEOUT_MS,
  trialSeed,
  type TrialRepo,
} from './harness.js';

interface Prepared {
  repo: TrialRepo;
  args: string[];
  env?: Record<string, string>;
  /** Checks of this scenario beyond the shared invariants. */
  extra?: () => string[];
  /** Ends what the setup started beyond the repository (agents, tmux); the repository is removed after. */
  dispose?: () => Promise<void>;
  /** Lanes the setup itself leaves as kept work (not counted as left by the kill). */
  keptOnPurpose?: string[];
}

interface Scenario {
  label: string;
  prepare(rng: () => number): Promise<Prepared>;
}

async function must(repo: TrialRepo, args: string[]): Promise<void> {
  const res = await cli(repo, args);
  if (res.code !== 0) throw new Error(`setup: lanes ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
}

const newScenario: Scenario = {
  label: 'SIGKILL lanes new',
  async prepare(rng) {
    const repo = makeTrialRepo({ sqlite: rng() < 0.5, issues: 3 });
    // A lane with committed work beside the one being created: it must come through untouched.
    await must(repo, ['new', '2', '--no-agent']);
    commitIn(repo, repo.lanePath('issue-2'), 'bystander.txt', 'work of lane 2\n');
    return { repo, args: rng() < 0.5 ? ['new', '1', '--no-agent'] : ['new', '1', '3', '--no-agent'] };
  },
};

const rmScenario: Scenario = {
  label: 'SIGKILL lanes rm --force',
  async prepare(rng) {
    const repo = makeTrialRepo({ sqlite: rng() < 0.5, issues: 2 });
    await must(repo, ['new', '1', '--no-agent']);
    await must(repo, ['new', '2', '--no-agent']);
    const wt = repo.lanePath('issue-1');
    commitIn(repo, wt, 'feature.txt', 'committed work\n');
    writeFileSync(join(wt, 'README.md'), '# app\nuncommitted edit\n');
    writeFileSync(join(wt, 'notes.txt'), 'untracked notes\n');
    return {
      repo,
      args: ['rm', '--force', 'issue-1'],
      // The untracked file is in the lane still, or in a backup: never nowhere.
      extra: () => {
        if (existsSync(join(wt, 'notes.txt'))) return [];
        // The backup holds it in the patch of everything uncommitted (and in the bundle's worktree snapshot).
        for (const [rel, bytes] of filesAsBytes(backupsDir(repo))) {
          if (rel.endsWith('notes.txt') && bytes.toString() === 'untracked notes\n') return [];
          if (
            rel.endsWith('uncommitted.patch') &&
            bytes.includes('+++ b/notes.txt') &&
            bytes.includes('+untracked notes')
          )
            return [];
        }
        return ['the untracked notes.txt of lane issue-1 is neither in the lane nor in a backup'];
      },
    };
  },
};

// A command agent that writes and commits after a short pause, so kills land before, during and after it.
const AGENT_SCRIPT =
  'sleep 0.2; echo "work of $LANES_LANE" > "$LANES_LANE.txt" && git add -A && git commit -q -m "agent work in $LANES_LANE"; echo committed';
const runScenario: Scenario = {
  label: 'SIGKILL lanes run (command agent)',
  async prepare(rng) {
    const agent = { adapter: 'command', command: ['sh', '-c', AGENT_SCRIPT, 'sh', '{promptFile}'] };
    const repo = makeTrialRepo({
      sqlite: rng() < 0.5,
      issues: 3,
      config: { agent: 'scripted', agents: { scripted: agent } },
    });
    return {
      repo,
      args:
        rng() < 0.5
          ? ['run', '1', '--until', 'implement', '--json']
          : ['run', '1', '2', '--parallel', '2', '--until', 'implement', '--json'],
    };
  },
};

const doctorScenario: Scenario = {
  label: 'SIGKILL lanes doctor --fix',
  async prepare(rng) {
    const repo = makeTrialRepo({ sqlite: rng() < 0.5, issues: 4 });
    for (const id of ['1', '2', '3', '4']) await must(repo, ['new', id, '--no-agent']);
    // issue-1: worktree removed by hand, nothing at stake (doctor removes the lane).
    gitIn(repo, repo.root, ['worktree', 'remove', '--force', repo.lanePath('issue-1')]);
    // issue-2: healthy, with committed work.
    commitIn(repo, repo.lanePath('issue-2'), 'two.txt', 'work of lane 2\n');
    // issue-3: removed while the main worktree had its (merged) branch checked out, so the removal
    // had to leave the branch; main is back on main now and doctor may delete it.
    gitIn(repo, repo.lanePath('issue-3'), ['checkout', '-q', '--detach']);
    gitIn(repo, repo.root, ['checkout', '-q', 'issue-3']);
    await must(repo, ['rm', 'issue-3']);
    gitIn(repo, repo.root, ['checkout', '-q', 'main']);
    // issue-4: directory deleted by hand after a commit (doctor must keep its branch).
    commitIn(repo, repo.lanePath('issue-4'), 'four.txt', 'work of lane 4\n');
    rmSync(repo.lanePath('issue-4'), { recursive: true, force: true });
    // A lease of a lane that no longer exists.
    const registry = PortRegistry.open(userStateDir(repo.env));
    registry.tryLease(4999, realpathSync(join(repo.root, '.git')), 'ghost', 'web');
    registry.close();
    return {
      repo,
      args: ['doctor', '--fix', '--json'],
      keptOnPurpose: ['issue-4'],
      extra: () => {
        const v: string[] = [];
        if (!existsSync(join(repo.lanePath('issue-2'), 'two.txt')))
          v.push('the healthy lane issue-2 lost its worktree');
        const four = gitIn(repo, repo.root, ['branch', '--list', 'issue-4']);
        if (!four) v.push('the branch of issue-4 (unmerged commits) was deleted');
        return v;
      },
    };
  },
};

// The real Claude Code CLI against the fake model server (offline): heavier, so only in the full run.
let endpoint: ModelEndpoint | undefined;
const claudeRunScenario: Scenario = {
  label: 'SIGKILL lanes run (Claude Code CLI, fake model server)',
  async prepare(rng) {
    const agentRepo = makeAgentRepo({ endpoint: endpoint!, issues: 2 });
    const worktrees = join(agentRepo.parent, 'app-worktrees');
    const repo: TrialRepo = { ...agentRepo, worktrees, sqlite: false, lanePath: (name) => join(worktrees, name) };
    return {
      repo,
      env: agentRepo.agentEnv,
      args:
        rng() < 0.5
          ? ['run', '1', '--until', 'implement', '--json']
          : ['run', '1', '2', '--parallel', '2', '--until', 'implement', '--json'],
      // Kills what agents, supervisors and tmux server are left, and removes the repository.
      dispose: () => agentRepo.dispose(),
    };
  },
};

async function calibrate(s: Scenario): Promise<number> {
  let worst = 0;
  for (let i = 0; i < (FULL ? 2 : 1); i++) {
    const p = await s.prepare(prng(i + 1));
    try {
      const res = await startCli(p.repo, p.args, p.env).done;
      // doctor --fix exits 1 while kept work remains: that is its normal end here.
      if (res.code !== 0 && !(s === doctorScenario && res.code === 1))
        throw new Error(`calibration of ${s.label} exited ${res.code}: ${res.stderr}`);
      worst = Math.max(worst, res.ms);
    } finally {
      await p.dispose?.();
      p.repo.cleanup();
    }
  }
  return worst;
}

async function runTrials(s: Scenario, trials = COUNTS.sigkill): Promise<void> {
  const t = tally(s.label);
  const duration = await calibrate(s);
  const spread = Math.round(duration * 1.2);
  let killedMidway = 0;
  let keptAfterRecovery = 0;
  for (let i = 0; i < trials; i++) {
    const seed = trialSeed(s.label, i);
    const rng = prng(seed);
    const p = await s.prepare(rng);
    try {
      const before = snapshot(p.repo);
      const delay = Math.floor(rng() * spread);
      const target = rng() < 0.5 ? 'process' : 'group';
      const killed = await killAfter(startCli(p.repo, p.args, p.env), delay, target);
      const v: string[] = [];
      if (killed.killed) killedMidway++;
      else if (![0, 1, 2, 3].includes(killed.result.code))
        v.push(
          `finished before the kill with exit ${killed.result.code}: ${killed.result.stderr.trim().split('\n').slice(-1)[0]}`,
        );
      if (killed.strays > 0) v.push(`${killed.strays} child process(es) of the killed command still ran after 15 s`);
      const rec = await recover(p.repo);
      if ([...rec.keptLanes].some((l) => !p.keptOnPurpose?.includes(l))) keptAfterRecovery++;
      v.push(
        ...rec.violations,
        ...(await checkInvariants(p.repo, before, { keptLanes: rec.keptLanes })),
        ...(p.extra?.() ?? []),
      );
      t.trials++;
      if (v.length > 0)
        t.failures.push({
          trial: i,
          seed,
          what: `SIGKILL to the ${target} after ${delay} ms${killed.killed ? '' : ' (it had finished)'}`,
          violations: v,
        });
    } finally {
      await p.dispose?.();
      p.repo.cleanup();
    }
  }
  t.notes.push(
    `an uninterrupted run took up to ${duration} ms; kills spread over 0–${spread} ms; ${killedMidway} of ${t.trials} trials killed it mid-run; ${keptAfterRecovery} ended with a lane doctor kept (worktree gone, branch with commits kept)`,
  );
  printTally(t);
  expect(t.failures, describeFailures(t)).toEqual([]);
}

describe('SIGKILL at a random moment, then lanes doctor --fix: every invariant holds', () => {
  it(`lanes new (${COUNTS.sigkill} trials)`, () => runTrials(newScenario), TIMEOUT_MS);
  it(`lanes rm --force (${COUNTS.sigkill} trials)`, () => runTrials(rmScenario), TIMEOUT_MS);
  it(`lanes run with a command agent (${COUNTS.sigkill} trials)`, () => runTrials(runScenario), TIMEOUT_MS);
  it(`lanes doctor --fix (${COUNTS.sigkill} trials)`, () => runTrials(doctorScenario), TIMEOUT_MS);
});

const withClaude = !agentsMissing() && (FULL || process.env.LANES_RELIABILITY_CLAUDE === '1');
describe.skipIf(!withClaude)('SIGKILL of lanes run with the real Claude Code CLI', () => {
  beforeAll(async () => {
    endpoint = await startModelEndpoint(writeAndCommit({ delayMs: 150 }));
  });
  afterAll(async () => {
    await endpoint?.close();
  });
  it(
    `lanes run with Claude Code (${COUNTS.claudeRun} trials)`,
    () => runTrials(claudeRunScenario, COUNTS.claudeRun),
    TIMEOUT_MS,
  );
});
