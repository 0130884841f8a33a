/**
 * Reading what `lanes start` left for the supervisor: `launch.json` (the run and how to start its
 * agent) and `env.json` (lanes' environment, for a supervisor started in tmux). Both are files on
 * disk between two processes, possibly of different lanes versions, possibly edited or cut short:
 * they are checked field by field, and a problem becomes one line saying which field and what was
 * expected, which the supervisor records as the run's failure instead of crashing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SupervisorSpec } from './supervise.js';

const LAUNCH_FILE = 'launch.json';

/** Where a failure can be recorded: known as soon as these fields of launch.json are. */
export interface RunTarget {
  commonDir: string;
  runId: number;
  lane?: string | undefined;
}

export type LaunchRead =
  { ok: true; spec: SupervisorSpec } | { ok: false; problem: string; target: RunTarget | undefined };

/** Reads and checks `<runDir>/launch.json`. */
export function readLaunchSpec(runDir: string): LaunchRead {
  const file = join(runDir, LAUNCH_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why =
      (err as { code?: string }).code === 'ENOENT'
        ? 'it does not exist'
        : `it is not JSON (${err instanceof Error ? err.message : String(err)})`;
    return { ok: false, problem: `cannot read ${file}: ${why}`, target: undefined };
  }
  const target = runTargetOf(raw);
  const problem = problemOf(raw);
  if (problem !== undefined) return { ok: false, problem: `${file} is not a valid launch: ${problem}`, target };
  return { ok: true, spec: raw as SupervisorSpec };
}

/** Parses launch.json text already known to be valid (the supervisor checked it first); throws otherwise. */
export function parseLaunchSpec(text: string): SupervisorSpec {
  const raw: unknown = JSON.parse(text);
  const problem = problemOf(raw);
  if (problem !== undefined) throw new Error(`not a valid launch: ${problem}`);
  return raw as SupervisorSpec;
}

/** Checks `env.json`: an object of strings. */
export function parseEnvironmentFile(
  text: string,
  file: string,
): { env: Record<string, string> } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { problem: `${file} is not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (!isRecord(raw)) return { problem: `${file} must hold an object of variable names to strings` };
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') return { problem: `${file}: variable ${JSON.stringify(k)} must be a string` };
  }
  return { env: raw as Record<string, string> };
}

function runTargetOf(raw: unknown): RunTarget | undefined {
  if (!isRecord(raw) || typeof raw.commonDir !== 'string' || raw.commonDir === '' || !isRunId(raw.runId))
    return undefined;
  return { commonDir: raw.commonDir, runId: raw.runId, lane: typeof raw.lane === 'string' ? raw.lane : undefined };
}

/**
 * The first thing wrong with a launch spec, named by its field; undefined when it is sound. These
 * checks describe SupervisorSpec and AgentLaunch: a field added there is checked here too.
 */
function problemOf(raw: unknown): string | undefined {
  if (!isRecord(raw)) return 'expected an object';
  if (typeof raw.commonDir !== 'string' || raw.commonDir === '') return 'commonDir must be a path';
  if (!isRunId(raw.runId)) return 'runId must be a positive whole number';
  if (typeof raw.lane !== 'string' || raw.lane === '') return 'lane must be a lane name';
  // Which adapters exist is the composition root's to say (supervise() names the accepted ones).
  if (typeof raw.adapter !== 'string' || raw.adapter === '') return 'adapter must be a non-empty string';
  if (raw.model !== null && typeof raw.model !== 'string') return 'model must be a string or null';
  if (typeof raw.timeoutMs !== 'number' || !(raw.timeoutMs > 0))
    return 'timeoutMs must be a positive number of milliseconds';
  if (raw.phase !== undefined && typeof raw.phase !== 'string') return 'phase must be a string';
  if (raw.branch !== undefined && typeof raw.branch !== 'string') return 'branch must be a string';
  if (raw.leavesLaneState !== undefined && typeof raw.leavesLaneState !== 'boolean')
    return 'leavesLaneState must be true or false';
  if (
    raw.remote !== undefined &&
    !(
      isRecord(raw.remote) &&
      typeof raw.remote.runner === 'string' &&
      typeof raw.remote.type === 'string' &&
      isRecord(raw.remote.settings)
    )
  )
    return 'remote must be { "runner", "type", "settings" }';
  return launchProblem(raw.launch);
}

function launchProblem(raw: unknown): string | undefined {
  if (!isRecord(raw)) return 'launch must be an object';
  if (typeof raw.file !== 'string' || raw.file === '') return 'launch.file must be a program';
  if (!isStringList(raw.args)) return 'launch.args must be a list of strings';
  if (typeof raw.cwd !== 'string' || raw.cwd === '') return 'launch.cwd must be a path';
  if (!isRecord(raw.env) || !Object.values(raw.env).every((v) => typeof v === 'string'))
    return 'launch.env must be an object of strings';
  if (raw.stdin !== 'closed' && !(isRecord(raw.stdin) && typeof raw.stdin.file === 'string'))
    return 'launch.stdin must be "closed" or { "file": path }';
  if (
    !Array.isArray(raw.files) ||
    !raw.files.every((f) => isRecord(f) && typeof f.path === 'string' && typeof f.content === 'string')
  ) {
    return 'launch.files must be a list of { "path", "content" } strings';
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isRunId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
