/**
 * The SSH executor (`runners.<name>.type = "ssh"`): runs an agent's launch on another machine over
 * the system's `ssh` client, for the run's local supervisor.
 *
 * 1. The lane's branch is pushed to the repository's remote (runners.<name>.remote; never forced).
 * 2. On the host, one bare clone per repository fetches that branch from the remote, and the lane's
 *    worktree there is made (or reset) at the commit the lane is at.
 * 3. The prompt and the launch's files are copied there over ssh's stdin; the agent runs in that
 *    worktree with the adapter's program, arguments and variables (the variables over stdin, never
 *    in a command line), its stdout streamed back line by line.
 * 4. When it ends, lanes fetches where it left HEAD directly from the host (over ssh: the host needs
 *    no write access to the remote) and fast-forwards the local lane; a branch that moved locally
 *    meanwhile is never overwritten (the commits wait under refs/lanes-runner/<lane>).
 *
 * Stop and timeout end the agent's process group on the host (its pid is recorded there). A host
 * that cannot be reached, or a connection that drops, fails the run with one line; the lane stays
 * as it was, and the next `lanes start` stops whatever was left running there and starts afresh.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { RemoteExecutor, RemoteLeftover, RemoteRun, RemoteRunEvents } from '../../../contracts/executor.js';
import { errorMessage } from '../../../domain/errors.js';
import { exec, ExecError, ExecInterruptedError, runSupervised, type SupervisedExit } from '../../../infra/exec.js';
import { gitSshCommand, gitUrl, hostLabel, repoKey, sshArgs, sshSettings, type SshSettings } from './connection.js';
import {
  agentScript,
  envBlock,
  listLanesScript,
  prepareScript,
  removeLaneScript,
  remoteCommand,
  resultRef,
  resultScript,
  stopScript,
  writeFileScript,
  writeWorktreeFileScript,
  type RemoteLayout,
} from './remote-scripts.js';

/** ssh's own exit code for a connection it could not make or lost. */
const SSH_FAILED = 255;
const PREPARE_TIMEOUT_MS = 15 * 60_000;
const SHORT_TIMEOUT_MS = 60_000;

export const sshExecutor: RemoteExecutor = {
  type: 'ssh',
  leftovers: sshLeftovers,
  async run(run, events) {
    const settings = sshSettings(run.settings);
    if (typeof settings === 'string')
      return failed(`runners.${run.runner}: ${settings} (see "Running agents on an SSH host" in the README)`);
    try {
      return await new SshRun(run, events, settings).execute();
    } catch (err) {
      if (err instanceof ExecInterruptedError || events.signal.aborted) return { kind: 'aborted' };
      return failed(err instanceof SshFailure ? err.message : `runner ${run.runner}: ${errorMessage(err)}`);
    }
  },
};

function failed(message: string): SupervisedExit {
  return { kind: 'spawn-failed', message };
}

/** A step that failed, with the one line the run records. */
class SshFailure extends Error {}

class SshRun {
  private readonly host: string;
  private readonly layout: RemoteLayout;
  private layoutReady = false;

  constructor(
    private readonly run: RemoteRun,
    private readonly events: RemoteRunEvents,
    private readonly settings: SshSettings,
  ) {
    this.host = hostLabel(settings);
    // The repository key needs the remote's URL: set in execute() before any remote step.
    this.layout = { base: settings.path, repoKey: '', lane: run.lane };
  }

  async execute(): Promise<SupervisedExit> {
    const { run } = this;
    if (!run.branch)
      throw new SshFailure(
        `runner ${run.runner} (ssh) runs agents on a lane's branch and this run has none: use --runner headless`,
      );
    const start = (await this.git(['rev-parse', '--verify', 'HEAD^{commit}'])).stdout.trim();
    const url = await this.remoteUrl();
    this.layout.repoKey = repoKey(url);
    this.layoutReady = true;
    await this.push();
    const base = await this.prepare(url, start);
    const remoteWt = `${base}/${this.layout.repoKey}/lanes/${run.lane}`;
    const remoteRun = `${base}/${this.layout.repoKey}/runs/${run.lane}`;
    const map = pathMapper([
      [run.worktree, remoteWt],
      [run.runDir, `${remoteRun}/rundir`],
    ]);
    const stdinFile = await this.copyFiles();
    const exit = await this.runAgent(map, stdinFile);

    if (exit.kind === 'spawn-failed') return exit;
    const problem = await this.bringBack(start, base);
    if (problem && exit.kind === 'exited') return failed(problem);
    if (problem) this.note(problem);
    return exit;
  }

  // ---- on this machine ----

  private git(args: string[], opts: { env?: Record<string, string> } = {}) {
    return exec('git', args, {
      cwd: this.run.worktree,
      signal: this.events.signal,
      timeoutMs: PREPARE_TIMEOUT_MS,
      ...opts,
    });
  }

  private async remoteUrl(): Promise<string> {
    const { remote } = this.settings;
    const res = await exec('git', ['remote', 'get-url', '--', remote], {
      cwd: this.run.worktree,
      check: false,
      timeoutMs: SHORT_TIMEOUT_MS,
    });
    if (res.exitCode !== 0)
      throw new SshFailure(
        `runner ${this.run.runner}: this repository has no git remote ${JSON.stringify(remote)} (runners.${this.run.runner}.remote): the host fetches the lane's branch from it`,
      );
    return res.stdout.trim();
  }

  /** The lane's branch to the remote, never forced: a remote branch that moved elsewhere stops the run. */
  private async push(): Promise<void> {
    const { branch, runner } = this.run;
    try {
      await this.git(['push', '--quiet', '--', this.settings.remote, `refs/heads/${branch}:refs/heads/${branch}`]);
    } catch (err) {
      if (err instanceof ExecInterruptedError) throw err;
      const why = err instanceof ExecError ? err.failure.stderrTail.trim().split('\n').pop() : errorMessage(err);
      throw new SshFailure(
        `runner ${runner}: could not push ${branch} to ${this.settings.remote} (${why}); the host fetches the lane from there, and lanes never force it`,
      );
    }
  }

  /**
   * Fetches a result the agent left on the host and fast-forwards the local branch. Returns a
   * problem line, or undefined when the lane has the agent's commits (or there were none).
   */
  private async bringBack(start: string, base: string): Promise<string | undefined> {
    const { run } = this;
    let head: string;
    try {
      // Not cut short by a stop: what the agent committed before it was stopped is brought back too.
      head = (
        await this.ssh("reading the agent's result", resultScript(this.layout), {
          timeoutMs: SHORT_TIMEOUT_MS,
          signal: AbortSignal.timeout(SHORT_TIMEOUT_MS),
        })
      ).trim();
    } catch (err) {
      return `could not read where the agent left the lane on ${this.host} (${errorMessage(err)}); lanes start ${run.lane} resumes the lane`;
    }
    if (head === start) return undefined;
    const local = `refs/lanes-runner/${run.lane}`;
    try {
      await exec(
        'git',
        [
          'fetch',
          '--quiet',
          '--no-tags',
          '--',
          gitUrl(this.settings, `${base}/${this.layout.repoKey}/clone.git`),
          `+${resultRef(run.lane)}:${local}`,
        ],
        {
          cwd: run.worktree,
          timeoutMs: PREPARE_TIMEOUT_MS,
          env: { GIT_SSH_COMMAND: gitSshCommand(run.env) },
        },
      );
    } catch (err) {
      const why = err instanceof ExecError ? err.failure.stderrTail.trim().split('\n').pop() : errorMessage(err);
      return `the agent's commits (${head.slice(0, 12)}) are still on ${this.host}: fetching them failed (${why})`;
    }
    const kept = `the agent's commits are kept in ${local} (${head.slice(0, 12)}): the lane's branch ${run.branch} moved or has changes in the way; merge them with: git merge --ff-only ${local}`;
    const checkedOut = await exec('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: run.worktree, check: false });
    if (checkedOut.stdout.trim() === `refs/heads/${run.branch}`) {
      // merge --ff-only refuses anything but a fast-forward, and changes in the worktree in its way.
      const res = await exec('git', ['merge', '--ff-only', '--quiet', head], { cwd: run.worktree, check: false });
      return res.exitCode === 0 ? undefined : kept;
    }
    const tip = (
      await exec('git', ['rev-parse', '--verify', `refs/heads/${run.branch}^{commit}`], { cwd: run.worktree })
    ).stdout.trim();
    const ff = await exec('git', ['merge-base', '--is-ancestor', tip, head], { cwd: run.worktree, check: false });
    if (ff.exitCode !== 0) return kept;
    // The old value makes the update conditional: a branch that moved since is left alone.
    const res = await exec('git', ['update-ref', `refs/heads/${run.branch}`, head, tip], {
      cwd: run.worktree,
      check: false,
    });
    return res.exitCode === 0 ? undefined : kept;
  }

  // ---- on the host ----

  /** Runs a script on the host; its stdout, or an SshFailure naming the step. */
  private async ssh(
    what: string,
    script: string,
    opts: { input?: string; timeoutMs?: number; signal?: AbortSignal } = {},
  ) {
    const res = await exec('ssh', sshArgs(this.settings, this.run.env, remoteCommand(script, this.settings.env)), {
      cwd: this.run.worktree,
      check: false,
      timeoutMs: opts.timeoutMs ?? PREPARE_TIMEOUT_MS,
      signal: opts.signal ?? this.events.signal,
      ...(opts.input === undefined ? {} : { input: opts.input }),
    });
    if (res.stderr) appendFileSync(this.events.stderrFile, res.stderr);
    if (res.exitCode === 0) return res.stdout;
    const last = lastLine(res.stderr) ?? `exit code ${res.exitCode}`;
    if (res.exitCode === SSH_FAILED) throw new SshFailure(this.unreachable(last));
    throw new SshFailure(`${what} on ${this.host} failed: ${last}`);
  }

  private unreachable(why: string): string {
    return `cannot reach ${this.host} over ssh (${why}); check that \`ssh ${this.settings.host}\` works without a prompt (keys, known_hosts), then lanes start ${this.run.lane} resumes the lane`;
  }

  private async prepare(url: string, start: string): Promise<string> {
    const out = await this.ssh(
      `preparing the lane's worktree in ${this.settings.path} (the host needs git and read access to ${url})`,
      prepareScript(this.layout, url, this.run.branch, start),
    );
    const base = out.trim().split('\n').pop() ?? '';
    if (!base.startsWith('/'))
      throw new SshFailure(`on ${this.host}: ${this.settings.path} did not resolve to a folder (${base})`);
    return base;
  }

  /** The prompt and the launch's files to the host; returns the prompt's name there, if any. */
  private async copyFiles(): Promise<string | undefined> {
    const { launch } = this.run;
    for (const file of launch.files) {
      const inWorktree = inside(this.run.worktree, file.path);
      const inRunDir = inside(this.run.runDir, file.path);
      if (inWorktree !== undefined)
        await this.ssh(`copying ${file.path}`, writeWorktreeFileScript(this.layout, inWorktree), {
          input: file.content,
        });
      else if (inRunDir !== undefined)
        await this.ssh(`copying ${file.path}`, writeFileScript(this.layout, `rundir/${inRunDir}`), {
          input: file.content,
        });
      else this.note(`not copied to ${this.host}: ${file.path} is outside the lane's worktree and run folder`);
    }
    if (launch.stdin === 'closed') return undefined;
    await this.ssh('copying the prompt', writeFileScript(this.layout, 'prompt.md'), {
      input: readFileSync(launch.stdin.file, 'utf8'),
    });
    return 'prompt.md';
  }

  private async runAgent(map: (s: string) => string, promptFile: string | undefined): Promise<SupervisedExit> {
    const { run, events } = this;
    const envEnd = `LANES-ENV-END-${randomBytes(12).toString('hex')}`;
    const exitMarker = `LANES-EXIT-${randomBytes(12).toString('hex')}`;
    const script = agentScript(this.layout, {
      file: map(run.launch.file),
      args: run.launch.args.map(map),
      ...(promptFile ? { stdinFile: promptFile } : {}),
      envEnd,
      exitMarker,
    });
    // The launch's variables (an API key among them) reach the host only on ssh's stdin. The file that
    // feeds it is private and is removed as soon as ssh has it open.
    const stdinFile = join(run.runDir, `ssh-stdin-${randomBytes(6).toString('hex')}`);
    const vars = Object.fromEntries(Object.entries(run.launch.env).map(([k, v]) => [k, map(v)]));
    writeFileSync(stdinFile, envBlock(vars, envEnd), { mode: 0o600 });
    chmodSync(stdinFile, 0o600);

    const local = new AbortController();
    let ending: SupervisedExit | undefined;
    const end = async (why: SupervisedExit) => {
      if (ending) return;
      ending = why;
      await this.stopRemote();
      local.abort();
    };
    const timer = setTimeout(() => void end({ kind: 'timed-out' }), run.timeoutMs);
    const onAbort = () => void end({ kind: 'aborted' });
    events.signal.addEventListener('abort', onAbort, { once: true });
    if (events.signal.aborted) onAbort();

    let exitCode: number | undefined;
    let exit: SupervisedExit;
    try {
      exit = await runSupervised('ssh', sshArgs(this.settings, run.env, remoteCommand(script, this.settings.env)), {
        cwd: run.worktree,
        stdinFile,
        stderrFile: events.stderrFile,
        // Its own timer ends the agent on the host first; this one only bounds a stuck ssh.
        timeoutMs: run.timeoutMs + 120_000,
        signal: local.signal,
        onStart: () => {
          rmSync(stdinFile, { force: true });
          events.onStart?.(`${this.host}:${this.run.lane}`);
        },
        onStdoutLine: (line) => {
          const at = line.indexOf(exitMarker);
          if (at === -1) return events.onStdoutLine(line);
          if (at > 0) events.onStdoutLine(line.slice(0, at));
          exitCode = Number(line.slice(at + exitMarker.length).trim());
        },
      });
    } finally {
      clearTimeout(timer);
      events.signal.removeEventListener('abort', onAbort);
      rmSync(stdinFile, { force: true });
    }
    if (ending) {
      // A stop that raced the agent's start (no pid recorded yet) is caught here.
      await this.stopRemote();
      return ending;
    }
    if (exitCode !== undefined) {
      if (exitCode === 127)
        return failed(
          `${run.launch.file} was not found on ${this.host}: install it there, or set runners.${run.runner}.env.PATH to a PATH that finds it (and node)`,
        );
      return { kind: 'exited', exitCode };
    }
    if (exit.kind === 'not-found') return failed('ssh is not installed on this machine: install the OpenSSH client');
    // No exit line: ssh ended before the agent did. The agent may live on there; the next start stops it.
    await this.stopRemote();
    const why = lastLine(readTail(events.stderrFile)) ?? describe(exit);
    return failed(
      `the ssh connection to ${this.host} dropped while the agent ran (${why}); the lane is as it was before this run, and lanes start ${run.lane} resumes it`,
    );
  }

  /** Ends the lane's agent on the host; best effort (the host may be gone), bounded in time. */
  private async stopRemote(): Promise<void> {
    if (!this.layoutReady) return;
    try {
      await this.ssh('stopping the agent', stopScript(this.layout), {
        timeoutMs: 30_000,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      this.note(`could not stop the agent on ${this.host}: ${errorMessage(err)}; the next lanes start stops it`);
    }
  }

  private note(line: string): void {
    try {
      appendFileSync(this.events.stderrFile, `lanes: ${line}\n`);
    } catch {
      // The run folder is gone: nothing to note in.
    }
  }
}

/** Replaces the local worktree and run folder in arguments and variables with their places on the host. */
function pathMapper(pairs: [string, string][]): (s: string) => string {
  const sorted = [...pairs].sort((a, b) => b[0].length - a[0].length);
  return (s) => {
    for (const [from, to] of sorted) {
      if (s === from) return to;
      if (s.includes(`${from}/`)) s = s.split(`${from}/`).join(`${to}/`);
    }
    return s;
  };
}

/** `path` relative to `dir` (with / separators) when inside it. */
function inside(dir: string, path: string): string | undefined {
  const rel = relative(dir, path);
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) return undefined;
  return rel.split(sep).join('/');
}

function lastLine(text: string): string | undefined {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('lanes:'))
    .pop();
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-4000);
  } catch {
    return '';
  }
}

function describe(exit: SupervisedExit): string {
  switch (exit.kind) {
    case 'exited':
      return `ssh exited with code ${exit.exitCode}`;
    case 'signalled':
      return `ssh was killed by ${exit.signal}`;
    case 'spawn-failed':
      return exit.message;
    default:
      return exit.kind;
  }
}

/**
 * The lanes' worktrees this repository keeps on the host (`<path>/<repo>/lanes/<lane>`), for
 * `lanes doctor`: each can be removed (its recorded agent stopped, the worktree and run folder
 * deleted). The doctor keeps those of lanes that still exist.
 */
async function sshLeftovers(where: {
  runner: string;
  settings: Readonly<Record<string, unknown>>;
  commonDir: string;
  env: Readonly<Record<string, string | undefined>>;
}): Promise<RemoteLeftover[]> {
  const settings = sshSettings(where.settings);
  if (typeof settings === 'string') throw new Error(`runners.${where.runner}: ${settings}`);
  const url = await exec('git', ['--git-dir', where.commonDir, 'remote', 'get-url', '--', settings.remote], {
    check: false,
    timeoutMs: SHORT_TIMEOUT_MS,
  });
  if (url.exitCode !== 0) return [];
  const key = repoKey(url.stdout.trim());
  const onHost = async (script: string) => {
    const res = await exec('ssh', sshArgs(settings, where.env, remoteCommand(script, settings.env)), {
      check: false,
      timeoutMs: PREPARE_TIMEOUT_MS,
    });
    if (res.exitCode !== 0)
      throw new Error(`ssh ${hostLabel(settings)}: ${lastLine(res.stderr) ?? `exit code ${res.exitCode}`}`);
    return res.stdout;
  };
  const listed = await onHost(listLanesScript(settings.path, key));
  return listed
    .split('\n')
    .filter((lane) => lane !== '')
    .map((lane) => ({
      description: `worktree ${key}/lanes/${lane} on ${hostLabel(settings)}`,
      lane,
      runId: undefined,
      remove: async () => {
        await onHost(removeLaneScript({ base: settings.path, repoKey: key, lane }));
      },
    }));
}
