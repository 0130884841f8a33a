/**
 * The command line: global options, one registration per command, and the single place where
 * errors become a message and an exit code.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { createContext, type Io } from '../app/context.js';
import { ExitCode, InputError, InterruptedError, LanesError } from '../domain/errors.js';
import { stripTerminalControls } from '../domain/terminal-text.js';
import { setBaseEnvironment } from '../infra/exec.js';
import type { CliRuntime, GlobalOptions } from './command.js';
import { composeAdapters } from './compose.js';
import { addCommandHelp, programHelpText } from './help.js';
import * as agentCommands from './commands/agents.js';
import * as doctorCommand from './commands/doctor.js';
import * as fixCommand from './commands/fix.js';
import * as healCommand from './commands/heal.js';
import * as initCommand from './commands/init.js';
import * as issuesCommand from './commands/issues.js';
import * as landCommand from './commands/land.js';
import * as laneInfoCommands from './commands/lane-info.js';
import * as lsCommand from './commands/ls.js';
import * as newCommand from './commands/new.js';
import * as prCommand from './commands/pr.js';
import * as reviewCommand from './commands/review.js';
import * as rmCommand from './commands/rm.js';
import * as runCommand from './commands/run.js';
import * as runnerCommand from './commands/runner.js';
import * as shellInitCommand from './commands/shell-init.js';
import * as uiCommand from './commands/ui.js';
import * as statsCommands from './commands/stats.js';
import * as syncCommand from './commands/sync.js';

export interface Process {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  version: string;
  packageRoot: string;
}

function terminalIo(proc: Process): Io {
  const interactive = proc.stderr.isTTY === true;
  // Everything printed passes here: text from outside (titles, labels, agent output, errors that
  // quote them) must not drive the terminal. JSON reaches it without controls (output.ts printJson).
  return {
    out: (text) => void proc.stdout.write(stripTerminalControls(text)),
    err: (text) => void proc.stderr.write(`${stripTerminalControls(text)}\n`),
    interactive,
    async confirm(question) {
      if (!interactive || proc.stdin.isTTY !== true) return undefined;
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: proc.stdin, output: proc.stderr });
      try {
        const answer = await rl.question(`${stripTerminalControls(question)} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}

export async function runCli(proc: Process): Promise<number> {
  setBaseEnvironment(proc.env);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    // The first Ctrl-C lets the running step undo itself; a second one gives up at once.
    if (interrupts > 1) process.exit(ExitCode.interrupted);
    proc.stderr.write('\nlanes: interrupted; cleaning up (Ctrl-C again to quit at once)\n');
    controller.abort(new InterruptedError());
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const io = terminalIo(proc);
  const adapters = composeAdapters();
  let exitCode: number = ExitCode.ok;
  let verbose = false;
  const runtime: CliRuntime = {
    createContext: (g: GlobalOptions) => {
      verbose = g.verbose;
      const cwd = g.dir === undefined ? proc.cwd : requireDirectory(g.dir, resolve(proc.cwd, g.dir));
      return createContext({
        cwd,
        env: proc.env,
        signal: controller.signal,
        io,
        yes: g.yes,
        verbose: g.verbose,
        packageRoot: proc.packageRoot,
        adapters,
      });
    },
    setExitCode: (code) => {
      exitCode = code;
    },
  };

  const program = new Command('lanes')
    .description('Run many AI coding agents at once, each in its own lane: worktree, branch, ports, env.')
    .version(proc.version, '-V, --version')
    .option('-C <dir>', 'run as if started in <dir>')
    .option('--json', 'machine output on stdout')
    .option('-v, --verbose', 'show the cause of errors')
    .option('-y, --yes', 'approve repository hooks without asking (for scripts)')
    .showHelpAfterError(false)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void proc.stdout.write(s),
      writeErr: (s) => void proc.stderr.write(s),
      outputError: (s, write) => write(`lanes: ${stripTerminalControls(s.replace(/^error: /, '').trim())}\n`),
    });
  // Commander stores -C as "C"; expose it as dir for the context.
  program.on('option:C', (dir: string) => program.setOptionValue('dir', dir));

  for (const command of [
    initCommand,
    issuesCommand,
    newCommand,
    lsCommand,
    laneInfoCommands,
    agentCommands,
    prCommand,
    reviewCommand,
    fixCommand,
    syncCommand,
    landCommand,
    runCommand,
    statsCommands,
    healCommand,
    runnerCommand,
    rmCommand,
    doctorCommand,
    uiCommand,
    shellInitCommand,
  ]) {
    command.register(program, runtime);
  }
  for (const sub of program.commands) sub.exitOverride().configureOutput(program.configureOutput());
  addCommandHelp(program);
  program.addHelpText('after', programHelpText());

  try {
    await program.parseAsync(proc.argv, { from: 'user' });
  } catch (err) {
    exitCode = reportError(err, proc.stderr, io.interactive, verbose);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (controller.signal.aborted && exitCode === ExitCode.ok) exitCode = ExitCode.interrupted;
  return exitCode;
}

/** `-C <dir>` must name a directory that exists; checked before anything runs in it. */
function requireDirectory(given: string, absolute: string): string {
  let stat;
  try {
    stat = statSync(absolute);
  } catch {
    throw new InputError(`-C ${JSON.stringify(given)}: no such directory`);
  }
  if (!stat.isDirectory()) throw new InputError(`-C ${JSON.stringify(given)}: not a directory`);
  return absolute;
}

function reportError(err: unknown, stream: NodeJS.WriteStream, interactive: boolean, verbose: boolean): number {
  // Messages quote issue text, branch names and tool output: stripped like everything else printed.
  const stderr = { write: (text: string) => stream.write(stripTerminalControls(text)) };
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
      return ExitCode.ok;
    return ExitCode.badInput;
  }
  if (err instanceof LanesError) {
    stderr.write(`lanes: ${err.message}\n`);
    if (err.hint && (interactive || verbose)) stderr.write(`  hint: ${err.hint}\n`);
    if (verbose) {
      let cause = err.cause;
      while (cause) {
        stderr.write(`  caused by: ${cause instanceof Error ? cause.message : JSON.stringify(cause)}\n`);
        cause = cause instanceof Error ? cause.cause : undefined;
      }
    }
    return err.exitCode;
  }
  stderr.write(
    `lanes: unexpected error; this is a bug, please report it with the lines below\n${err instanceof Error ? err.stack : String(err)}\n`,
  );
  return ExitCode.failed;
}
