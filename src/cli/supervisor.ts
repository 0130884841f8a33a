// The agent supervisor's entry point (started by lanes, never by a user): runs one agent run
// described by <runDir>/launch.json and records its outcome in the state.
import { supervise } from '../app/agents/supervise.js';
import { setBaseEnvironment } from '../infra/exec.js';

const [runDir, flag] = process.argv.slice(2);
if (!runDir) {
  process.stderr.write('usage: supervisor <runDir> [--show]\n');
  process.exit(2);
}
setBaseEnvironment(process.env);
const code = await supervise(runDir, { show: flag === '--show', write: (text) => void process.stdout.write(text) });
if (flag === '--show') {
  // In tmux, keep the pane open so a user attaching after the end still sees the outcome.
  process.stdout.write('lanes: press Enter to close this pane\n');
  process.stdin.resume();
  process.stdin.once('data', () => process.exit(code));
} else process.exit(code);
