import type { Command } from 'commander';
import { action, type CliRuntime } from '../command.js';
import { printJson } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('init')
    .description(
      'write lanes.config.json (with $schema) after detecting base branch, package manager, database and installed agents',
    )
    .option('--force', 'overwrite an existing lanes.config.json')
    .action(
      action(
        runtime,
        async (ctx, globals, opts: { force?: boolean }) => {
          const { initConfig } = await import('../../app/init.js');
          const result = await initConfig(ctx, opts);
          if (globals.json) return printJson(ctx.io, result);
          ctx.io.out(`${result.file}\n`);
          ctx.io.err(
            `lanes: wrote ${result.file} (base: ${result.detected.base ?? 'none found'}, package manager: ${result.detected.packageManager ?? 'none found'}, agents: ${result.detected.agents.join(', ') || 'none found'})`,
          );
        },
        { validateConfig: false },
      ),
    );
}
