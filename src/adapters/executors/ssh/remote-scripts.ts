/**
 * The shell scripts lanes runs on an SSH host, as text. Pure: every value that comes from data (a
 * lane, a branch, a path, a URL, an argument) enters a script through `shellQuote`, so nothing in an
 * issue's text or a file name can run on the host. Each script is then run as `exec sh -c '<script>'`
 * (see `remoteCommand`), so it runs under a POSIX `sh` whatever the login shell, and that `sh` is the
 * session's process group leader (sshd starts each session's command in a new session).
 *
 * Layout on the host, under `base` (runners.<name>.path, default ~/.lanes-runner):
 *   <base>/<repoKey>/clone.git          one bare clone per repository (fetches only lanes' branches)
 *   <base>/<repoKey>/lanes/<lane>       the lane's worktree (detached at the commit a run starts from)
 *   <base>/<repoKey>/runs/<lane>/       the prompt, the launch's files, agent.pid while an agent runs
 */
import { shellQuote } from '../../../domain/shell-quote.js';

export interface RemoteLayout {
  /** The base folder as configured: `~/x` is expanded by the host's shell, anything else is literal. */
  base: string;
  repoKey: string;
  lane: string;
}

/** Variables set for every remote command (runners.<name>.env): not secrets, they are in the command line. */
export type RemoteEnv = Readonly<Record<string, string>>;

/** A word for the base folder: `~` and `~/…` become "$HOME"/…; the rest is quoted. */
export function baseWord(base: string): string {
  if (base === '~') return '"$HOME"';
  if (base.startsWith('~/')) return `"$HOME"/${shellQuote(base.slice(2))}`;
  return shellQuote(base);
}

/** The command string ssh sends: the script under `sh`, with the runner's variables exported first. */
export function remoteCommand(script: string, env: RemoteEnv = {}): string {
  const exports = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  return `exec sh -c ${shellQuote([...exports, script].join('\n'))}`;
}

/** Sets $base (absolute), $clone, $wt and $run for the scripts below. */
function paths(layout: RemoteLayout): string[] {
  return [
    `mkdir -p ${baseWord(layout.base)}`,
    `base=$(cd ${baseWord(layout.base)} && pwd -P)`,
    `clone="$base"/${shellQuote(`${layout.repoKey}/clone.git`)}`,
    `wt="$base"/${shellQuote(`${layout.repoKey}/lanes/${layout.lane}`)}`,
    `run="$base"/${shellQuote(`${layout.repoKey}/runs/${layout.lane}`)}`,
  ];
}

/**
 * Ends the process group an agent of this lane recorded (a previous run left behind by a dropped
 * connection, or `lanes stop`): SIGTERM, up to 5 s, then SIGKILL. Idempotent.
 */
function stopRecorded(): string[] {
  return [
    'if [ -f "$run/agent.pid" ]; then',
    '  pid=$(cat "$run/agent.pid")',
    '  case "$pid" in ""|*[!0-9]*) ;; *)',
    // No `--`: dash's kill does not take it; a negative number right after the signal is a group everywhere.
    '    kill -TERM "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true',
    '    i=0',
    '    while kill -0 "-$pid" 2>/dev/null && [ $i -lt 25 ]; do sleep 0.2; i=$((i+1)); done',
    '    kill -KILL "-$pid" 2>/dev/null || true',
    '  ;; esac',
    '  rm -f "$run/agent.pid"',
    'fi',
  ];
}

/**
 * Prepares the lane's worktree at `start`: the clone (made once), the lane's branch fetched from
 * `url` (where lanes just pushed it), the worktree made or reset to `start` (uncommitted leftovers
 * of an earlier run there are discarded: only commits ever come back). Prints the absolute base.
 */
export function prepareScript(layout: RemoteLayout, url: string, branch: string, start: string): string {
  return [
    'set -e',
    ...paths(layout),
    ...stopRecorded(),
    '[ -d "$clone" ] || git init --quiet --bare "$clone"',
    `git -C "$clone" fetch --quiet --no-tags ${shellQuote(url)} ${shellQuote(`+refs/heads/${branch}:refs/lanes-runner/start/${layout.lane}`)}`,
    `git -C "$clone" cat-file -e ${shellQuote(`${start}^{commit}`)}`,
    'git -C "$clone" worktree prune',
    'if [ -e "$wt/.git" ]; then',
    `  git -C "$wt" checkout --quiet --force --detach ${shellQuote(start)}`,
    '  git -C "$wt" clean -fdq',
    'else',
    '  rm -rf "$wt"',
    '  mkdir -p "$(dirname "$wt")"',
    `  git -C "$clone" worktree add --quiet --force --detach "$wt" ${shellQuote(start)}`,
    'fi',
    'mkdir -p "$run"',
    'printf "%s\\n" "$base"',
  ].join('\n');
}

/** Writes stdin to a file under the lane's run folder (`relative` to it), private to the host's user. */
export function writeFileScript(layout: RemoteLayout, relative: string): string {
  return [
    'set -e',
    'umask 077',
    ...paths(layout),
    `f="$run"/${shellQuote(relative)}`,
    'mkdir -p "$(dirname "$f")"',
    'cat > "$f"',
  ].join('\n');
}

/** Writes stdin to a file under the lane's worktree (a launch file the agent reads there). */
export function writeWorktreeFileScript(layout: RemoteLayout, relative: string): string {
  return [
    'set -e',
    ...paths(layout),
    `f="$wt"/${shellQuote(relative)}`,
    'mkdir -p "$(dirname "$f")"',
    'cat > "$f"',
  ].join('\n');
}

export interface AgentCommand {
  file: string;
  args: readonly string[];
  /** Relative to the lane's run folder on the host; undefined: the agent's stdin is /dev/null. */
  stdinFile?: string;
  /** Ends the variable block on stdin; random per run, so no value can end it early. */
  envEnd: string;
  /** Printed with the agent's exit code after it ends: how lanes tells an exit from a dropped connection. */
  exitMarker: string;
}

/**
 * Runs the agent in the lane's worktree. The launch's variables (which may hold an API key) arrive
 * on stdin as `export NAME='value'` lines up to `envEnd`, never in the command line, where `ps` on
 * either machine would show them; `read` takes stdin a byte at a time, so nothing past the block is
 * consumed. The script records its pid, which is its process group (see the header), for `stop`.
 */
export function agentScript(layout: RemoteLayout, cmd: AgentCommand): string {
  const stdin = cmd.stdinFile === undefined ? '/dev/null' : `"$run"/${shellQuote(cmd.stdinFile)}`;
  return [
    ...paths(layout),
    'cd "$wt" || exit 97',
    'echo $$ > "$run/agent.pid"',
    `end=${shellQuote(cmd.envEnd)}`,
    'vars=',
    'while IFS= read -r line; do',
    '  [ "$line" = "$end" ] && break',
    '  vars="$vars$line',
    '"',
    'done',
    'eval "$vars"',
    `${[cmd.file, ...cmd.args].map(shellQuote).join(' ')} < ${stdin}`,
    'code=$?',
    'rm -f "$run/agent.pid"',
    `printf '%s %s\\n' ${shellQuote(cmd.exitMarker)} "$code"`,
  ].join('\n');
}

/** The variable block `agentScript` reads on stdin. */
export function envBlock(env: Readonly<Record<string, string>>, end: string): string {
  const lines = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  return `${[...lines, end].join('\n')}\n`;
}

/** Stops the lane's agent on the host (`lanes stop`, a timeout). */
export function stopScript(layout: RemoteLayout): string {
  return [...paths(layout), ...stopRecorded()].join('\n');
}

/**
 * Records where the agent left HEAD under a ref lanes fetches from over ssh, and prints that
 * commit. Fetching from the host (rather than having it push to the remote) means the host never
 * needs write access to the repository's remote.
 */
export function resultScript(layout: RemoteLayout): string {
  return [
    'set -e',
    ...paths(layout),
    'head=$(git -C "$wt" rev-parse --verify HEAD^{commit})',
    `git -C "$clone" update-ref ${shellQuote(resultRef(layout.lane))} "$head"`,
    'printf "%s\\n" "$head"',
  ].join('\n');
}

export function resultRef(lane: string): string {
  return `refs/lanes-runner/result/${lane}`;
}

/** Prints the name of every lane worktree this repository keeps on the host, one per line. */
export function listLanesScript(base: string, repoKey: string): string {
  return [
    `base=$(cd ${baseWord(base)} 2>/dev/null && pwd -P) || exit 0`,
    `dir="$base"/${shellQuote(`${repoKey}/lanes`)}`,
    '[ -d "$dir" ] || exit 0',
    'for d in "$dir"/* ; do [ -d "$d" ] && printf \'%s\\n\' "${d##*/}"; done',
    'exit 0',
  ].join('\n');
}

/** Stops the lane's recorded agent, then removes its worktree and run folder (the clone stays). */
export function removeLaneScript(layout: RemoteLayout): string {
  return [
    ...paths(layout),
    ...stopRecorded(),
    'git -C "$clone" worktree remove --force "$wt" 2>/dev/null || true',
    'rm -rf "$wt" "$run"',
    'git -C "$clone" worktree prune 2>/dev/null || true',
  ].join('\n');
}
