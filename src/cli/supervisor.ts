// The agent supervisor's entry point (started by lanes, never by a user): runs one agent run
// described by <runDir>/launch.json and records its outcome in the state.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvironmentFile, readLaunchSpec, type RunTarget } from '../app/agents/launch-spec.js';
import { setLaneAgentState } from '../app/agents/runs.js';
import { supervise } from '../app/agents/supervise.js';
import { SUPERVISOR_ENV_FILE, SUPERVISOR_SHOW_FLAG } from '../contracts/runner.js';
import { errorMessage } from '../domain/errors.js';
import { createGateway, installGateway } from '../infra/exec.js';
import { StateStore } from '../infra/store.js';
import { composeAdapters } from './compose.js';

const [runDir, flag] = process.argv.slice(2);
if (!runDir) {
  process.stderr.write('usage: supervisor <runDir> [--show]\n');
  process.exit(2);
}
const show = flag === SUPERVISOR_SHOW_FLAG;

// What lanes start left is checked before anything runs: a file cut short or from another
// version fails the run with one line naming the field, instead of a crash that leaves the run
// "starting" until a reader notices its supervisor is gone.
const launch = readLaunchSpec(runDir);
if (!launch.ok) failBeforeStart(launch.problem, launch.target);

// Started in tmux, the pane has the tmux server's environment; lanes left its own in a file.
const envFile = join(runDir, SUPERVISOR_ENV_FILE);
let env: Record<string, string | undefined> = process.env;
if (existsSync(envFile)) {
  const read = parseEnvironmentFile(readFileSync(envFile, 'utf8'), envFile);
  rmSync(envFile, { force: true });
  if ('problem' in read) failBeforeStart(read.problem, launch.ok ? launch.spec : undefined);
  else env = read.env;
}
// The process gateway every command of this run goes through, from lanes' environment.
installGateway(createGateway({ env }));

// Which adapters exist is this entry point's to know (the composition root): checked before the run starts.
const agents = await composeAdapters().agents();
if (launch.ok && !agents.get(launch.spec.adapter)) {
  failBeforeStart(
    `${join(runDir, 'launch.json')} is not a valid launch: adapter must be one of ${agents.names.join(', ')}`,
    launch.spec,
  );
}
const adapters = composeAdapters();
const code = await supervise(runDir, {
  show,
  write: (text) => void process.stdout.write(text),
  agents,
  // Only a run on a configured remote runner loads the executors (and their clients).
  ...(launch.ok && launch.spec.remote ? { executors: await adapters.executors() } : {}),
});
if (show) {
  // In tmux, keep the pane open so a user attaching after the end still sees the outcome.
  process.stdout.write('lanes: press Enter to close this pane\n');
  process.stdin.resume();
  process.stdin.once('data', () => process.exit(code));
  // The run is recorded: closing the pane or killing the session just ends this process.
  process.stdin.once('end', () => process.exit(code));
  for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(code));
} else process.exit(code);

/** Records why the run could not start (when the run is known), says it, and ends the supervisor. */
function failBeforeStart(problem: string, target: RunTarget | undefined): never {
  process.stderr.write(`lanes supervisor: ${problem}\n`);
  if (show) process.stdout.write(`lanes: agent failed: ${problem}\n`);
  if (target) {
    try {
      const store = StateStore.open(target.commonDir);
      try {
        store.updateRun(target.runId, { status: 'failed', endedAt: new Date().toISOString(), reason: problem });
        if (target.lane) setLaneAgentState(store, target.lane, 'failed');
      } finally {
        store.close();
      }
    } catch (err) {
      process.stderr.write(`lanes supervisor: could not record the failure in the state: ${errorMessage(err)}\n`);
    }
  }
  process.exit(1);
}
