/**
 * The tmux runner: the supervisor runs in a tmux session per lane, showing the agent's events, so
 * a user can `lanes attach` and watch. The session outlives the run (its pane waits for Enter).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SUPERVISOR_ENV_FILE,
  SUPERVISOR_SHOW_FLAG,
  type AttachTarget,
  type Runner,
} from '../../../contracts/runner.js';
import { childEnvironment, exec, execOnTerminal } from '../../../infra/exec.js';
import { localProcessControl } from '../local-process.js';

export function tmuxSessionName(commonDir: string, lane: string): string {
  // One session per lane and repository: two clones with a lane of the same name never collide.
  let hash = 0;
  for (const ch of commonDir) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `lanes-${hash.toString(36)}-${lane}`;
}

export const tmuxRunner: Runner = {
  name: 'tmux',
  async start(request) {
    const session = tmuxSessionName(request.commonDir, request.run.lane);
    const { env, signal } = request;
    // A finished run's pane waits for Enter to close; the new run takes the session's name.
    await exec('tmux', ['kill-session', '-t', `=${session}`], { env, signal, check: false });
    // A tmux server that already runs starts panes with its own environment, not this one: the
    // supervisor reads lanes' environment from a file only the user can read, then deletes it.
    writeFileSync(join(request.run.runDir, SUPERVISOR_ENV_FILE), JSON.stringify(childEnvironment(env)), {
      mode: 0o600,
    });
    const { file, args } = request.supervisor;
    await exec(
      'tmux',
      ['new-session', '-d', '-s', session, '-c', request.worktree, '--', file, ...args, SUPERVISOR_SHOW_FLAG],
      { env, signal },
    );
    // The supervisor records its pid itself, a moment after this returns.
    return { supervisorPid: null };
  },
  ...localProcessControl,
  attach: {
    sessionKind: 'tmux',
    async has(target: AttachTarget) {
      const session = tmuxSessionName(target.commonDir, target.lane);
      return (
        (
          await exec('tmux', ['has-session', '-t', `=${session}`], {
            check: false,
            env: target.env,
            signal: target.signal,
          })
        ).exitCode === 0
      );
    },
    attach(target: AttachTarget) {
      return execOnTerminal('tmux', ['attach-session', '-t', `=${tmuxSessionName(target.commonDir, target.lane)}`], {
        env: target.env,
      });
    },
  },
};
