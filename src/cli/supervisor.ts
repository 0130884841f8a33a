// The agent supervisor's entry point (started by lanes, never by a user): runs one agent run
// described by <runDir>/launch.json and records its outcome in the state.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { supervise } from '../app/agents/supervise.js';
import { SUPERVISOR_ENV_FILE, SUPERVISOR_SHOW_FLAG } from '../contracts/runner.js';
import { setBaseEnvironment } from '../infra/exec.js';
import { composeAdapters } from './compose.js';

const [runDir, flag] = process.argv.slice(2);
if (!runDir) {
  process.stderr.write('usage: supervisor <runDir> [--show]\n');
  process.exit(2);
}
// Started in tmux, the pane has the tmux server's environment; lanes left its own in a file.
const envFile = join(runDir, SUPERVISOR_ENV_FILE);
if (existsSync(envFile)) {
  setBaseEnvironment(JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>);
  rmSync(envFile, { force: true });
} else setBaseEnvironment(process.env);
const show = flag === SUPERVISOR_SHOW_FLAG;
const code = await supervise(runDir, { show, write: (text) => void process.stdout.write(text), agents: await composeAdapters().agents() });
if (show) {
  // In tmux, keep the pane open so a user attaching after the end still sees the outcome.
  process.stdout.write('lanes: press Enter to close this pane\n');
  process.stdin.resume();
  process.stdin.once('data', () => process.exit(code));
  // The run is recorded: closing the pane or killing the session just ends this process.
  process.stdin.once('end', () => process.exit(code));
  for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(code));
} else process.exit(code);
