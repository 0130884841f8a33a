// `lanes watch` and the notify.command hook: a change another process writes to the state becomes a
// line (and a JSON line), and the approved hook gets the event in its environment. `lanes ls
// --watch` refuses without a terminal.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/agents.js';
import { addIssue, CLI, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';
import { openStore } from '../helpers/verdicts.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const HOOK = 'printf \'%s|%s|%s\\n\' "$LANES_EVENT" "$LANES_LANE" "$LANES_MESSAGE" >> "$NOTIFY_OUT"';

function repoWithLanes(): TempRepo {
  const r = makeRepo({ files: { 'lanes.config.json': `${JSON.stringify({ notify: { command: HOOK } })}\n` } });
  addIssue(r, 1, 'First');
  addIssue(r, 2, 'Second');
  r.commitAll('issues');
  const made = lanes(r, ['new', '1', '2', '--no-agent']);
  expect(made.code, made.stderr).toBe(0);
  repo = r;
  return r;
}

describe('lanes watch', () => {
  it('prints a JSON line per event another process causes, and runs the approved notify hook', async () => {
    const r = repoWithLanes();
    const out = join(r.parent, 'notified.log');
    const child = spawn(process.execPath, [CLI, 'watch', '--json', '--yes'], {
      cwd: r.root,
      env: { ...r.env, NOTIFY_OUT: out },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until('lanes watch to start', () => stderr.includes('watching the lanes'), 20_000);
      // What lanes review and a failed agent write, from this (another) process.
      const store = openStore(r);
      const now = new Date().toISOString();
      store.updateLane('issue-1', (l) => ({
        ...l,
        validation: { state: 'approved', round: 1, reason: null, updatedAt: now },
      }));
      store.updateLane('issue-2', (l) => ({ ...l, agentPhase: 'implement', agentState: 'failed' }));
      store.close();
      const events = await until(
        'two events',
        () => {
          const lines = stdout.trim().split('\n').filter(Boolean);
          return lines.length >= 2 ? lines.map((l) => JSON.parse(l) as { kind: string; lane: string }) : undefined;
        },
        20_000,
      );
      expect(events.map((e) => [e.kind, e.lane]).sort()).toEqual([
        ['approved', 'issue-1'],
        ['failed', 'issue-2'],
      ]);
      const hooked = await until('the hook to run twice', () => {
        const lines = existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : [];
        return lines.length >= 2 ? lines.sort() : undefined;
      });
      expect(hooked).toEqual([
        'approved|issue-1|issue-1: approved in round 1',
        'failed|issue-2|issue-2: the implement run failed',
      ]);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(130);
  });

  it('refuses a notify hook nobody approved, and ls --watch without a terminal', () => {
    const r = repoWithLanes();
    const watch = lanes(r, ['watch']);
    expect(watch.code).toBe(2);
    expect(watch.stderr).toContain('lanes: notify.command "printf');
    expect(watch.stderr).toContain('is not approved yet');
    const board = lanes(r, ['ls', '--watch']);
    expect(board.code).toBe(2);
    expect(board.stderr).toContain('lanes ls --watch redraws the board in place and needs a terminal');
  });
});
