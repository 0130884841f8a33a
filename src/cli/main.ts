// Entry point. `--version` answers before anything else is loaded; every other command loads the
// command line and, through it, only the modules that command uses.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __LANES_VERSION__: string;
const version = typeof __LANES_VERSION__ === 'string' ? __LANES_VERSION__ : '0.0.0-dev';
const argv = process.argv.slice(2);

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${version}\n`);
} else {
  const { runCli } = await import('./program.js');
  const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
  const code = await runCli({
    argv,
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    version,
    packageRoot,
  });
  process.exitCode = code;
  // The command is over: whatever is still open (a timer or socket a failed step left behind, a
  // bug) must not keep the user waiting. Exit once what was written has reached stdout and stderr.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}
