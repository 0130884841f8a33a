/**
 * The agent container's command: a POSIX sh script, built here as a pure function so that what runs
 * in the cluster can be read, tested and printed by `lanes runner manifest`.
 *
 * It clones the remote at the lane's branch, checks out the commit the run starts from, writes the
 * launch's files, runs the adapter's program (its arguments quoted, the prompt file from the mounted
 * ConfigMap as stdin) in the clone, then pushes the commits back to the lane's branch with
 * `--force-with-lease=<branch>:<start>`: never over commits someone else pushed meanwhile. On
 * SIGTERM (the Job deleted by `lanes stop`, the deadline) it stops the agent and still pushes what
 * was committed, so a stopped run keeps its commits.
 *
 * The pod's log mixes stdout and stderr, so the script's own notes and the agent's stderr are marked
 * (`##lanes `, `##lanes-stderr `): the executor sends them to the run's stderr.log, and everything
 * else, the agent's stdout, to the adapter's parser.
 */
export const NOTE = '##lanes ';
export const STDERR_NOTE = '##lanes-stderr ';
/** Exit codes of the script's own steps, apart from the agent's. */
export const SCRIPT_EXIT = { setup: 90, clone: 91, push: 92 } as const;

export interface JobScriptInput {
  /** The clone URL, without credentials (they come from the Secret's GIT_CREDENTIALS). */
  url: string;
  branch: string;
  start: string;
  /** The clone's folder name: the local worktree's, so the agent sees the same lane name in its path. */
  dirName: string;
  /** Local paths and what they become remotely: the worktree is the clone, the run folder a scratch one. */
  worktree: string;
  runDir: string;
  program: string;
  args: readonly string[];
  cwd: string;
  /** Whether the prompt file (ConfigMap key `prompt`) is the agent's stdin. */
  promptStdin: boolean;
  /** Files to write: ConfigMap key → local path (mapped). */
  files: readonly { key: string; path: string }[];
  /** Variables whose values name local paths: exported with the paths mapped. */
  exports: readonly { name: string; value: string }[];
}

/** A single-quoted shell word. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A value as a shell word, with the local worktree and run folder replaced by their places in the
 * container (`$W`, `$RUN`). Anything else is quoted literally: no data is ever expanded.
 */
export function remoteWord(value: string, paths: { worktree: string; runDir: string }): string {
  const pieces: string[] = [];
  const targets = [
    [paths.worktree, '"$W"'],
    [paths.runDir, '"$RUN"'],
  ].filter(([p]) => p !== '') as [string, string][];
  let rest = value;
  for (;;) {
    let best: { at: number; path: string; word: string } | undefined;
    for (const [path, word] of targets) {
      const at = rest.indexOf(path);
      // A path counts whole: `/w/issue-1` in `/w/issue-10` is not the worktree.
      const end = rest[at + path.length];
      if (at >= 0 && (end === undefined || end === '/') && (!best || at < best.at)) best = { at, path, word };
    }
    if (!best) break;
    if (best.at > 0) pieces.push(shellQuote(rest.slice(0, best.at)));
    pieces.push(best.word);
    rest = rest.slice(best.at + best.path.length);
  }
  if (rest !== '' || pieces.length === 0) pieces.push(shellQuote(rest));
  return pieces.join('');
}

export function jobScript(input: JobScriptInput): string {
  const word = (v: string) => remoteWord(v, input);
  const command = [shellQuote(input.program), ...input.args.map(word)].join(' ');
  const stdin = input.promptStdin ? '"$IN/prompt"' : '/dev/null';
  const lines = [
    'set -u',
    // Notes and the agent's stderr go to the container's stderr: its stdout is the agent's alone.
    `note() { printf '${NOTE}%s\\n' "$*" >&2; }`,
    `R=$(mktemp -d "\${TMPDIR:-/tmp}/lanes-job.XXXXXX") || { note "setup failed: mktemp"; exit ${SCRIPT_EXIT.setup}; }`,
    // The clone and the credentials file go with the script (a pod's filesystem goes anyway).
    `trap 'cd / && rm -rf "$R"' EXIT`,
    `W="$R"/${shellQuote(input.dirName)}`,
    'RUN="$R/run"',
    `IN="\${LANES_INPUT:-${'/var/run/lanes'}}"`,
    `BRANCH=${shellQuote(input.branch)}`,
    `START=${shellQuote(input.start)}`,
    `URL=${shellQuote(input.url)}`,
    // git's most telling line: ` ! [rejected] … (stale info)` before the generic `error: failed to push`.
    `gitfail() { note "$1 failed: $( (grep -E '^ ! |^fatal|^error' "$R/git.err" || cat "$R/git.err") | head -n 1)"; exit "$2"; }`,
    '# Git credentials, when the Secret has them, stay in a file in the pod.',
    'if [ -n "${GIT_CREDENTIALS:-}" ]; then',
    `  (umask 077; printf '%s\\n' "$GIT_CREDENTIALS" > "$R/.git-credentials")`,
    '  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=credential.helper GIT_CONFIG_VALUE_0="store --file=$R/.git-credentials"',
    'fi',
    'export GIT_TERMINAL_PROMPT=0',
    'note "cloning $BRANCH at $START"',
    `git clone -q --branch "$BRANCH" --single-branch -- "$URL" "$W" 2>"$R/git.err" || gitfail clone ${SCRIPT_EXIT.clone}`,
    `cd "$W" && git checkout -q -B "$BRANCH" "$START" 2>"$R/git.err" || gitfail checkout ${SCRIPT_EXIT.clone}`,
    'mkdir -p "$RUN"',
    ...input.files.map(
      (f) =>
        `mkdir -p "$(dirname -- ${word(f.path)})" && cp "$IN/${f.key}" ${word(f.path)} || exit ${SCRIPT_EXIT.setup}`,
    ),
    ...input.exports.map((e) => `export ${e.name}=${word(e.value)}`),
    `cd ${word(input.cwd)} || exit ${SCRIPT_EXIT.setup}`,
    '# The agent runs in the background so that SIGTERM (Job deleted, deadline) reaches this script.',
    // The fifo exists before either end opens it (else the agent's `2>` would make a plain file).
    `mkfifo "$R/stderr" || exit ${SCRIPT_EXIT.setup}`,
    `sed 's/^/${STDERR_NOTE}/' < "$R/stderr" >&2 &`,
    'errpid=$!',
    `${command} < ${stdin} 2> "$R/stderr" &`,
    'agent=$!',
    'stopping=0',
    `trap 'stopping=1; kill -TERM "$agent" 2>/dev/null' TERM INT`,
    'wait "$agent"; code=$?',
    'while kill -0 "$agent" 2>/dev/null; do wait "$agent"; code=$?; done',
    // Something the agent left running may hold its stderr open: the notes stop 2 s after the agent.
    '( sleep 2; kill "$errpid" 2>/dev/null ) >/dev/null 2>&1 & killer=$!',
    'wait "$errpid" 2>/dev/null; kill "$killer" 2>/dev/null',
    'note "exit $code"',
    'cd "$W" || exit $code',
    'left=$(git status --porcelain | wc -l | tr -d " ")',
    '[ "$left" = 0 ] || note "uncommitted changes left in the pod: $left files (only commits come back)"',
    'if [ "$(git rev-parse HEAD)" != "$START" ]; then',
    `  git push -q origin "HEAD:refs/heads/$BRANCH" --force-with-lease="refs/heads/$BRANCH:$START" 2>"$R/git.err" || gitfail push ${SCRIPT_EXIT.push}`,
    '  note "pushed $(git rev-parse HEAD)"',
    'else',
    '  note "no new commits"',
    'fi',
    '[ "$stopping" = 0 ] || exit 143',
    'exit "$code"',
  ];
  return `${lines.join('\n')}\n`;
}
