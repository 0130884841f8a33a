/** `lanes attach`: hands the terminal to a lane's agent session, kept by a runner that has sessions (tmux). */
import type { AttachTarget, Runner, RunnerAttach } from '../../contracts/runner.js';
import { InputError } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import type { Context } from '../context.js';

/** Resolves with the session's exit code once the user detaches. */
export async function attachAgent(ctx: Context, lane: LaneRecord): Promise<number> {
  const target: AttachTarget = {
    lane: lane.name,
    commonDir: (await ctx.repo()).commonDir,
    env: ctx.env,
    signal: ctx.signal,
  };
  // Any runner's session counts, not only the latest run's: a finished tmux pane still shows its outcome.
  const attachable = ctx.runners.names
    .map((name) => ctx.runners.get(name))
    .filter((r): r is Runner & { attach: RunnerAttach } => r?.attach !== undefined);
  for (const runner of attachable) {
    if (await runner.attach.has(target)) return runner.attach.attach(target);
  }
  if (attachable.length === 0)
    throw new InputError(
      `lane ${lane.name} has no session to attach to: no runner of this lanes keeps one; read its log with lanes logs ${lane.name}`,
    );
  const kinds = attachable.map((r) => r.attach.sessionKind).join(' or ');
  const flags = attachable.map((r) => `--runner ${r.name}`).join(' or ');
  const settings = attachable.map((r) => `agents.<name>.runner: "${r.name}"`).join(' or ');
  throw new InputError(
    `lane ${lane.name} has no ${kinds} session; start an agent with ${flags} (or ${settings}), or read its log with lanes logs ${lane.name}`,
  );
}
