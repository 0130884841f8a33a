// Concurrent storms: many `lanes new`, `rm`, `rm --force`, `ls --json` and `doctor --fix --json`
// started at once on overlapping lane names. Every process must end with a documented exit code,
// print JSON when asked, never fail with "cannot lock ref"; afterwards every invariant holds.
import { describe, expect, it } from 'vitest';
import {
  COUNTS,
  checkInvariants,
  cli,
  commitIn,
  describeFailures,
  makeTrialRepo,
  prng,
  printTally,
  recover,
  snapshot,
  startCli,
  tally,
  TIMEOUT_MS,
  trialSeed,
} from './harness.js';

const LANE_IDS = ['1', '2', '3', '4', '5', '6'];

function pickCommand(rng: () => number): string[] {
  const id = LANE_IDS[Math.floor(rng() * LANE_IDS.length)]!;
  const r = rng();
  if (r < 0.35) return ['new', id, '--no-agent'];
  if (r < 0.5) return ['rm', `issue-${id}`];
  if (r < 0.6) return ['rm', '--force', `issue-${id}`];
  if (r < 0.75) return ['ls', '--json'];
  return ['doctor', '--fix', '--json'];
}

function checkProcess(args: string[], res: { code: number; stdout: string; stderr: string }): string[] {
  const v: string[] = [];
  const label = `lanes ${args.join(' ')}`;
  if (![0, 1, 2, 3].includes(res.code))
    v.push(`${label} exited ${res.code}: ${res.stderr.trim().split('\n').slice(-1)[0]}`);
  if (/cannot lock ref/i.test(res.stderr))
    v.push(
      `${label}: ${res.stderr
        .trim()
        .split('\n')
        .find((l) => /cannot lock ref/i.test(l))}`,
    );
  if (/^\s+at .*:\d+:\d+\)?$/m.test(res.stderr))
    v.push(`${label} printed a stack trace: ${res.stderr.trim().split('\n')[0]}`);
  if (args.includes('--json')) {
    try {
      JSON.parse(res.stdout);
    } catch {
      v.push(
        `${label} printed no JSON (exit ${res.code}): ${JSON.stringify(res.stdout.slice(0, 120))} ${res.stderr.trim().split('\n')[0] ?? ''}`,
      );
    }
  }
  return v;
}

describe('concurrent storms of new, rm, ls and doctor --fix', () => {
  it(
    `${COUNTS.storms} storm(s) of ${COUNTS.stormProcesses} processes leave a consistent repository`,
    async () => {
      const t = tally(`storm of ${COUNTS.stormProcesses} processes`);
      const codes = new Map<number, number>();
      for (let s = 0; s < COUNTS.storms; s++) {
        const seed = trialSeed('storm', s);
        const rng = prng(seed);
        const repo = makeTrialRepo({ sqlite: rng() < 0.5, issues: LANE_IDS.length });
        try {
          // Some lanes exist (one with work), one name was removed before (its history is in the state).
          for (const id of ['1', '2', '3']) expect((await cli(repo, ['new', id, '--no-agent'])).code).toBe(0);
          commitIn(repo, repo.lanePath('issue-1'), 'work.txt', 'work of lane 1\n');
          expect((await cli(repo, ['rm', 'issue-3'])).code).toBe(0);
          const before = snapshot(repo);
          const commands = Array.from({ length: COUNTS.stormProcesses }, () => pickCommand(rng));
          const runs = commands.map((args) => ({ args, run: startCli(repo, args) }));
          const v: string[] = [];
          for (const { args, run } of runs) {
            const guard = setTimeout(() => process.kill(-run.pid, 'SIGKILL'), 300_000);
            const res = await run.done;
            clearTimeout(guard);
            codes.set(res.code, (codes.get(res.code) ?? 0) + 1);
            v.push(...checkProcess(args, res));
          }
          // The storm's own doctor runs may have been cut short by their neighbours; one more settles.
          const rec = await recover(repo);
          v.push(...rec.violations, ...(await checkInvariants(repo, before, { keptLanes: rec.keptLanes })));
          t.trials++;
          if (v.length > 0)
            t.failures.push({
              trial: s,
              seed,
              what: `storm: ${commands.map((c) => c.filter((a) => a !== '--json' && a !== '--no-agent').join(' ')).join(', ')}`,
              violations: v,
            });
        } finally {
          repo.cleanup();
        }
      }
      t.notes.push(
        `exit codes seen: ${[...codes]
          .sort((a, b) => a[0] - b[0])
          .map(([c, n]) => `${c}×${n}`)
          .join(', ')}`,
      );
      printTally(t);
      expect(t.failures, describeFailures(t)).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
