/**
 * The `notify.command` hook: a command of the user's (a desktop notifier, a chat webhook) run for
 * each lane event. Like every repository hook it runs only once its exact text was approved
 * (app/lane/hooks.ts), and the event reaches it in environment variables, never in its text.
 */
import { visibleControls } from '../../domain/terminal-text.js';
import type { LaneEvent } from '../../domain/lane-events.js';
import { exec } from '../../infra/exec.js';
import type { Context } from '../context.js';
import { requireApproval } from '../lane/hooks.js';
import { watchState } from './state-watch.js';

export type Notifier = (event: LaneEvent) => Promise<void>;

/**
 * The notifier of the configured hook, approved before anything watches; undefined without one.
 * A failing hook is reported on stderr and never stops the watcher.
 */
export async function notifyHook(ctx: Context): Promise<Notifier | undefined> {
  const [config, repo] = await Promise.all([ctx.config(), ctx.repo()]);
  const command = config.notify.command;
  if (command === undefined) return undefined;
  await requireApproval(ctx, [command], 'notify.command');
  return async (event) => {
    const res = await exec('sh', ['-c', command], {
      cwd: repo.mainRoot,
      env: { ...ctx.env, LANES_EVENT: event.kind, LANES_LANE: event.lane, LANES_MESSAGE: event.message },
      signal: ctx.signal,
      timeoutMs: 60_000,
      check: false,
    }).catch((err: unknown) => ({ exitCode: -1, stderr: String(err), stdout: '' }));
    if (res.exitCode !== 0)
      ctx.io.err(
        `lanes: notify.command "${visibleControls(command)}" failed (exit ${res.exitCode}) for ${event.message}`,
      );
  };
}

/**
 * Lane events as they happen, each to `onEvent` and to the notify hook, until `stop()` (which looks
 * once more first, so an event of the last moment is not lost). `lanes run` and `lanes watch` use it.
 */
export async function startNotifications(ctx: Context, onEvent: (event: LaneEvent) => void): Promise<{ stop(): void }> {
  const notify = await notifyHook(ctx);
  const store = await ctx.store();
  const watcher = watchState(
    store,
    (events) => {
      for (const event of events) {
        onEvent(event);
        void notify?.(event);
      }
    },
    { signal: ctx.signal },
  );
  return {
    stop() {
      watcher.poll();
      watcher.stop();
    },
  };
}
