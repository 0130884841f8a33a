/**
 * The bridge between commander and the use cases: builds the context from the global options and
 * turns a handler's outcome into an exit code. Errors are not caught here but once, in main.
 */
import type { Command } from 'commander';
import type { Context } from '../app/context.js';

export interface GlobalOptions {
  json: boolean;
  verbose: boolean;
  yes: boolean;
  dir: string | undefined;
}

export interface CliRuntime {
  createContext(globals: GlobalOptions): Context;
  setExitCode(code: number): void;
}

export type Handler<A extends unknown[]> = (ctx: Context, globals: GlobalOptions, ...args: A) => Promise<number | void>;

export interface ActionOptions {
  /**
   * Whether the command works in a repository and so validates its lanes.config.json before doing
   * anything (default). A broken config is exit 2 for every command, not only for those that read
   * the settings it breaks; `init` (which may overwrite it) and `shell-init` (no repository) opt out.
   */
  validateConfig?: boolean;
}

export function action<A extends unknown[]>(
  runtime: CliRuntime,
  handler: Handler<A>,
  opts: ActionOptions = {},
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const raw = cmd.optsWithGlobals<{ json?: boolean; verbose?: boolean; yes?: boolean; dir?: string }>();
    const globals: GlobalOptions = {
      json: raw.json ?? false,
      verbose: raw.verbose ?? false,
      yes: raw.yes ?? false,
      dir: raw.dir,
    };
    const ctx = runtime.createContext(globals);
    try {
      if (opts.validateConfig !== false) await ctx.config();
      const code = await handler(ctx, globals, ...(args.slice(0, -1) as A));
      if (typeof code === 'number') runtime.setExitCode(code);
    } finally {
      ctx.close();
    }
  };
}
