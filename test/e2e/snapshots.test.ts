/**
 * Snapshots of what people read: `--help` of every command, the `lanes ls` table, the `lanes run`
 * summary, `lanes new`, `lanes doctor` and `lanes rm`, through the built CLI. A change to any of
 * them shows up as a diff of a plain-text file under __snapshots__/output/ that someone has to
 * review (and accept with `npx vitest run test/e2e/snapshots.test.ts -u`). The progress lines of
 * `lanes run` (lanes working in parallel interleave them differently each time) are compared sorted.
 *
 * What differs between machines and runs is replaced before comparing, keeping the width of what
 * it replaces where it sits in a table (so the alignment of the columns stays part of the
 * snapshot): the temporary folder, commit ids, timestamps, durations, ratios, ports and pids.
 * The CLI runs without a terminal and with COLUMNS fixed, so nothing depends on a window's width.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, makeRepo, type CliResult, type TempRepo } from '../helpers/repo.js';

const OUTPUT = join(dirname(fileURLToPath(import.meta.url)), '__snapshots__', 'output');
const HELP = join(OUTPUT, 'help');

/** No terminal (spawnSync pipes), a fixed width and no colour: the same text on every machine. */
const STABLE_ENV = { COLUMNS: '80', LINES: '24', NO_COLOR: '1', TERM: 'dumb', TZ: 'UTC' };

/**
 * The agent of the `run` scenario, a plain shell command (no agent CLI needed): issue-4's agent
 * fails with a message, issue-5's finishes without committing, the others commit one file.
 */
const AGENT_SCRIPT = [
  'case "$LANES_LANE" in',
  "  issue-4) echo 'the tests do not compile' >&2; exit 3;;",
  '  issue-5) echo nothing to do; exit 0;;',
  'esac',
  'echo "work of $LANES_LANE" > "$LANES_LANE.txt"',
  'git add -A && git commit -q -m "agent work in $LANES_LANE" && echo committed',
].join('\n');
const CONFIG = {
  agent: 'scripted',
  agents: { scripted: { adapter: 'command', command: ['sh', '-c', AGENT_SCRIPT, 'sh', '{promptFile}'] } },
};

/** Each digit of a match replaced by `N`: the value goes, its width (and so the table's alignment) stays. */
const maskDigits = (s: string) => s.replace(/\d/g, 'N');

/** Replaces what differs between machines and runs; `ports` are the lanes' ports (from `ls --json`). */
function normalise(text: string, repo: TempRepo, ports: readonly number[] = []): string {
  let out = text.split(repo.parent).join('<tmp>');
  out = out.replace(/\b[0-9a-f]{40}\b/g, '<commit>').replace(/\b[0-9a-f]{12}\b/g, '<commit12>');
  out = out.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b/g, '<timestamp>');
  // Durations (0.4s, 12ms, 3m) and ratios (speed-up 1.66x).
  out = out.replace(/\b\d+(?:\.\d+)?(?=(?:ms|s|m|h|x)\b)/g, maskDigits);
  out = out.replace(/\bpid \d+/g, maskDigits);
  for (const port of ports) out = out.replace(new RegExp(`\\b${port}\\b`, 'g'), 'P'.repeat(String(port).length));
  return out;
}

interface Step {
  args: string[];
  res: CliResult;
  sortStderr: boolean;
}

/** The exit code, stdout and stderr of a command as one text, the way the snapshot files hold them. */
function transcript(step: Step, repo: TempRepo, ports: readonly number[] = []): string {
  const { args, res } = step;
  // Progress of lanes working in parallel interleaves differently from run to run: sorted, it is the same set of lines.
  const stderr = normalise(res.stderr.trimEnd(), repo, ports);
  const parts = [
    `$ lanes ${args.join(' ')}`,
    `exit ${res.code}`,
    '--- stdout',
    normalise(res.stdout.trimEnd(), repo, ports),
    `--- stderr${step.sortStderr ? ' (lines sorted)' : ''}`,
    step.sortStderr ? stderr.split('\n').sort().join('\n') : stderr,
  ];
  return `${parts.join('\n')}\n`;
}

function run(repo: TempRepo, args: string[]): CliResult {
  return lanes(repo, args, { env: STABLE_ENV });
}

/** The subcommand names a help text lists under "Commands:" (without `help` itself). */
function subcommands(help: string): string[] {
  const start = help.indexOf('\nCommands:\n');
  if (start < 0) return [];
  const section = help.slice(start + '\nCommands:\n'.length).split('\n\n')[0]!;
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((name) => name !== 'help');
}

describe('--help of every command', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeRepo();
  });
  afterAll(() => repo.cleanup());

  it('matches the reviewed text, for lanes itself and each command and subcommand it lists', async () => {
    const files: string[] = [];
    const visit = async (command: string[]) => {
      const res = run(repo, [...command, '--help']);
      expect(res.code, `lanes ${command.join(' ')} --help: ${res.stderr}`).toBe(0);
      expect(res.stderr, command.join(' ')).toBe('');
      const file = `${['lanes', ...command].join('-')}.txt`;
      files.push(file);
      await expect(normalise(res.stdout, repo)).toMatchFileSnapshot(join(HELP, file));
      for (const sub of subcommands(res.stdout)) await visit([...command, sub]);
    };
    await visit([]);
    expect(files.length).toBeGreaterThan(15);
    // A command that went away takes its snapshot with it (new files are written when the run ends).
    expect(readdirSync(HELP).filter((file) => !files.includes(file))).toEqual([]);
  });
});

describe('what lanes prints for lanes, runs and repairs', () => {
  let repo: TempRepo;
  /** Transcripts by snapshot name, in the order the scenario made them. */
  const seen = new Map<string, Step>();
  let ports: number[] = [];

  beforeAll(() => {
    repo = makeRepo({ files: { 'lanes.config.json': `${JSON.stringify(CONFIG, null, 2)}\n` } });
    const titles = [
      'Add a login page',
      'Fix the date parser',
      'Cache the search results',
      'Port the build to esbuild',
      'Document the API',
    ];
    titles.forEach((title, i) => addIssue(repo, i + 1, title));
    const step = (name: string, args: string[], sortStderr = false) => {
      seen.set(name, { args, res: run(repo, args), sortStderr });
    };
    step('ls-empty', ['ls']);
    step('new', ['new', '1', '--no-agent']);
    step('run', ['run', '2', '3', '4', '5', '--parallel', '2', '--until', 'implement'], true);
    step('doctor-healthy', ['doctor']);
    repo.write('../app-worktrees/issue-1/notes.txt', 'a dirty file\n');
    step('ls', ['ls']);
    const listed = json<{ ports: Record<string, number> }[]>(run(repo, ['ls', '--json']));
    ports = listed.flatMap((l) => Object.values(l.ports));
    // Worktrees deleted by hand: ls says they are missing, doctor finds them, and --fix removes the
    // lane that had nothing at stake (issue-4) and keeps the one with an unpushed commit (issue-3).
    repo.git('worktree', 'remove', '--force', '../app-worktrees/issue-3');
    repo.git('worktree', 'remove', '--force', '../app-worktrees/issue-4');
    step('ls-missing', ['ls']);
    step('doctor-problems', ['doctor']);
    step('doctor-fix', ['doctor', '--fix']);
    step('ls-after-fix', ['ls']);
    // A refusal with its ways out (issue-2 has a commit that is neither merged nor pushed), and a removal.
    step('rm-refused', ['rm', 'issue-2']);
    step('rm', ['rm', 'issue-5']);
  });
  afterAll(() => repo.cleanup());

  const check = async (name: string) => {
    const entry = seen.get(name);
    if (!entry) throw new Error(`the scenario made no ${name}`);
    await expect(transcript(entry, repo, ports)).toMatchFileSnapshot(join(OUTPUT, `${name}.txt`));
    return entry.res;
  };

  it('lanes ls with no lanes yet', async () => {
    expect((await check('ls-empty')).code).toBe(0);
  });

  it('lanes new --no-agent says where the lane is', async () => {
    expect((await check('new')).code).toBe(0);
  });

  it('the lanes run summary: done, failed with its reason, done without commits', async () => {
    const res = await check('run');
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('issue-4');
  });

  it('lanes ls: ready, dirty, ahead, failed and done-no-commits lanes', async () => {
    expect((await check('ls')).code).toBe(0);
  });

  it('lanes ls with a lane whose worktree was deleted by hand', async () => {
    expect((await check('ls-missing')).code).toBe(0);
  });

  it('lanes doctor on a healthy repository', async () => {
    expect((await check('doctor-healthy')).code).toBe(0);
  });

  it('lanes doctor names the problems it finds; --fix repairs what is safe and names what it kept', async () => {
    expect((await check('doctor-problems')).code).toBe(1);
    // One problem is left on purpose (a lane with an unpushed commit), so it still exits 1.
    expect((await check('doctor-fix')).code).toBe(1);
    expect((await check('ls-after-fix')).code).toBe(0);
  });

  it('lanes rm refusing to lose work names the ways out; a removal says what it removed', async () => {
    expect((await check('rm-refused')).code).toBe(3);
    expect((await check('rm')).code).toBe(0);
  });
});
