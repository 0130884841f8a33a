/**
 * `lanes ui` and `lanes watch` as use cases: serve the dashboard until interrupted, or print the
 * lane events until interrupted; both feed the optional notify.command hook.
 */
import { basename, join } from 'node:path';
import { probeOrder } from '../../domain/ports.js';
import type { LaneEvent } from '../../domain/lane-events.js';
import { exec } from '../../infra/exec.js';
import type { Context } from '../context.js';
import { notifyHook, startNotifications } from './notify.js';
import { startUiServer, type UiServer } from './server.js';

/** How many ports of the derived sequence are tried before giving up (then --port says what to do). */
const PORT_TRIES = 20;

/**
 * The dashboard's default ports: lanes' deterministic scheme for the name `lanes-ui-<repository
 * folder>`, so the same repository gets the same address each time; ports the repository's lanes
 * hold are skipped.
 */
async function defaultPorts(ctx: Context): Promise<number[]> {
  const [repo, config, store] = await Promise.all([ctx.repo(), ctx.config(), ctx.store()]);
  const held = new Set(store.listLanes().flatMap((l) => Object.values(l.ports)));
  const out: number[] = [];
  for (const port of probeOrder(`lanes-ui-${basename(repo.mainRoot)}`, config.ports)) {
    if (!held.has(port)) out.push(port);
    if (out.length === PORT_TRIES) break;
  }
  return out;
}

export interface ServeOptions {
  port: number | undefined;
  open: boolean;
  onReady: (server: UiServer) => void;
  onEvent: (event: LaneEvent) => void;
}

export async function serveDashboard(ctx: Context, opts: ServeOptions): Promise<void> {
  const notify = await notifyHook(ctx);
  const server = await startUiServer(ctx, {
    ports: opts.port === undefined ? await defaultPorts(ctx) : [opts.port],
    assetsDir: join(ctx.packageRoot, 'dist', 'ui'),
    onEvents: (events) => {
      for (const event of events) {
        opts.onEvent(event);
        void notify?.(event);
      }
    },
  });
  opts.onReady(server);
  if (opts.open) await openBrowser(ctx, server.url);
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
}

async function openBrowser(ctx: Context, url: string): Promise<void> {
  const [program, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const res = await exec(program, args, { signal: ctx.signal, timeoutMs: 10_000, check: false }).catch(() => undefined);
  if (!res || res.exitCode !== 0) ctx.io.err(`lanes: could not open a browser (${program}); open ${url} yourself`);
}

/** `lanes watch`: each event to `print` (and the notify hook) until interrupted. */
export async function watchEvents(ctx: Context, onReady: () => void, print: (event: LaneEvent) => void): Promise<void> {
  const notifications = await startNotifications(ctx, print);
  onReady();
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  notifications.stop();
}
