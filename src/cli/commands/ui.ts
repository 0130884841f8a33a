/** `lanes ui`: the local dashboard; `lanes watch`: its notifications as lines. */
import type { Command } from 'commander';
import { InputError } from '../../domain/errors.js';
import { action, type CliRuntime } from '../command.js';
import { printJson } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('ui')
    .description('serve the local dashboard on 127.0.0.1: the board of lanes, diffs, reviews, logs, actions')
    .option('--port <port>', "port to listen on (0: any free port; default: derived from the repository's name)")
    .option('--open', 'open the dashboard in the default browser')
    .action(
      action(runtime, async (ctx, globals, opts: { port?: string; open?: boolean }) => {
        const { serveDashboard } = await import('../../app/ui/serve.js');
        const port = opts.port === undefined ? undefined : portOption(opts.port);
        const served = await serveDashboard(ctx, {
          port,
          open: opts.open === true,
          onReady: (server) => {
            if (globals.json) printJson(ctx.io, { url: server.url, port: server.port });
            else {
              ctx.io.out(`${server.url}\n`);
              ctx.io.err(`lanes: dashboard on ${server.url} (Ctrl-C stops it)`);
            }
          },
          onEvent: (event) => {
            if (!globals.json) ctx.io.err(`lanes: ${event.message}`);
          },
        });
        return served;
      }),
    );

  program
    .command('watch')
    .description('print notifications as lines: a lane finished, failed, needs input or was approved')
    .action(
      action(runtime, async (ctx, globals) => {
        const { watchEvents } = await import('../../app/ui/serve.js');
        await watchEvents(
          ctx,
          () => ctx.io.err('lanes: watching the lanes for notifications (Ctrl-C stops)'),
          (event) => {
            if (globals.json) ctx.io.out(`${JSON.stringify({ ...event, at: new Date().toISOString() })}\n`);
            else ctx.io.out(`${new Date().toISOString().slice(11, 19)} ${event.kind.padEnd(11)} ${event.message}\n`);
          },
        );
      }),
    );
}

function portOption(text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InputError(`--port ${JSON.stringify(text)}: expected a port number from 0 to 65535 (0: any free port)`);
  return port;
}
