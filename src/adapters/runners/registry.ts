/** The runners by name: adding one (a remote runner) is one folder, its name in names.ts and one line here. */
import type { Runner, Runners } from '../../contracts/runner.js';
import { headlessRunner } from './headless/index.js';
import { DEFAULT_RUNNER, type RunnerName } from './names.js';
import { tmuxRunner } from './tmux/index.js';

// Exactly the names of names.ts: a missing or extra entry does not compile.
const RUNNERS: Readonly<Record<RunnerName, Runner>> = {
  headless: headlessRunner,
  tmux: tmuxRunner,
};

/** The built-in runners, plus `extra` ones (a test's runner) under their own names. */
export function createRunners(extra: readonly Runner[] = []): Runners {
  const byName = new Map<string, Runner>(Object.entries(RUNNERS));
  for (const runner of extra) byName.set(runner.name, runner);
  return { names: [...byName.keys()], defaultName: DEFAULT_RUNNER, get: (name) => byName.get(name) };
}
