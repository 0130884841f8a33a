/**
 * What `lanes <command> --help` shows after the options: examples to copy, and the exit codes
 * that command can give (the command-line contract's codes, narrowed to what it can meet).
 */
import type { Command } from 'commander';

const CODES: Record<number, string> = {
  0: 'success',
  1: 'a tool or service failed (git, an agent CLI, a tracker)',
  2: 'bad input or usage (unknown lane, issue or agent, a config with a typo)',
  3: 'refused to protect work (uncommitted, unpushed or unmerged changes)',
  130: 'interrupted (Ctrl-C); what was half-done is undone',
};

interface CommandHelp {
  examples: [command: string, what: string][];
  codes: number[];
  note?: string;
}

const LANE_NOTE = 'Without <lane>, the lane whose worktree holds the current directory.';

export const COMMAND_HELP: Record<string, CommandHelp> = {
  init: {
    examples: [
      ['lanes init', 'write lanes.config.json for this repository'],
      ['lanes init --force', 'replace an existing one'],
    ],
    codes: [0, 1, 2],
  },
  issues: {
    examples: [
      ['lanes issues', 'open issues of the configured source'],
      ['lanes issues --label bug --limit 20', 'filter'],
      ['lanes issues --source github --json', 'another source, for scripts'],
    ],
    codes: [0, 1, 2],
  },
  issue: {
    examples: [['lanes issue add "Add a login page"', 'a local issue file in issues/']],
    codes: [0, 1, 2],
  },
  'issue add': {
    examples: [
      ['lanes issue add "Add a login page" --label feature', 'a local issue file in issues/'],
      ['lanes issue add "Fix the crash" --body notes.md', 'with a body from a file'],
    ],
    codes: [0, 1, 2],
  },
  new: {
    examples: [
      ['lanes new 123', 'a lane for issue 123, and its agent'],
      ['lanes new 12 13 14 --no-agent', 'three lanes, no agents'],
      ['lanes new 123 --base develop --agent codex', 'another base and agent'],
    ],
    codes: [0, 1, 2, 130],
  },
  ls: {
    examples: [
      ['lanes ls', 'every lane with its state'],
      ['lanes ls --json', 'for scripts'],
    ],
    codes: [0, 1, 2],
  },
  port: {
    examples: [
      ['lanes port issue-123', "the lane's first port"],
      ['lanes port 123 --service api', 'a named service'],
      ['lanes port', 'inside a lane: its port'],
    ],
    codes: [0, 1, 2],
    note: LANE_NOTE,
  },
  env: {
    examples: [
      ['eval "$(lanes env issue-123)"', "the lane's variables in this shell"],
      ['lanes env --json', 'inside a lane, for scripts'],
    ],
    codes: [0, 1, 2],
    note: LANE_NOTE,
  },
  cd: {
    examples: [
      ['lanes cd 123', "into the lane's worktree (with lanes shell-init)"],
      ['lanes cd', 'back to the main worktree'],
    ],
    codes: [0, 1, 2],
  },
  diff: {
    examples: [
      ['lanes diff 123', 'the whole change, untracked files included'],
      ['lanes diff --stat', 'inside a lane: a summary'],
    ],
    codes: [0, 1, 2],
    note: LANE_NOTE,
  },
  start: {
    examples: [
      ['lanes start 123', 'run the implement phase again'],
      ['lanes start 123 --resume', "continue the agent's last session"],
      ['lanes start 123 --agent codex --runner tmux', 'another agent, in tmux'],
    ],
    codes: [0, 1, 2],
    note: LANE_NOTE,
  },
  stop: {
    examples: [
      ['lanes stop 123', "stop the lane's agent"],
      ['lanes stop --all', 'stop every running agent'],
    ],
    codes: [0, 1, 2],
    note: LANE_NOTE,
  },
  logs: {
    examples: [
      ['lanes logs 123', 'the latest transcript'],
      ['lanes logs 123 -f', 'follow it until the agent ends'],
      ['lanes logs --raw', "inside a lane: the CLI's own output"],
    ],
    codes: [0, 1, 2],
    note: LANE_NOTE,
  },
  attach: {
    examples: [['lanes attach 123', "the lane's tmux session (agents started with --runner tmux)"]],
    codes: [0, 1, 2],
    note: LANE_NOTE,
  },
  pr: {
    examples: [
      ['lanes pr 123', 'push the branch and open its pull request, or update the open one'],
      ['lanes pr issue-123 --draft', 'open it as a draft'],
      ['lanes pr 123 --json', 'the stored request (number, url, base, head, diff stat) for scripts'],
    ],
    codes: [0, 1, 2, 130],
    note: [
      'Where it goes: config forge; else GitHub when issues come from GitHub or origin is on github.com;',
      'else a local review request. Pushes are never forced. A lane with no commits beyond its base: exit 2.',
    ].join('\n'),
  },
  fix: {
    examples: [
      ['lanes fix 123', "a new session answers the latest review's findings: fixed, disputed or deferred"],
      ['lanes fix 123 --agent codex', 'another implementer'],
      ['lanes fix --json', 'inside a lane: every finding with its answer, for scripts'],
    ],
    codes: [0, 1, 2, 130],
    note: `${LANE_NOTE}
Needs a review that requested changes (lanes review <lane> first). Waits for the run; Ctrl-C stops it.
Exit 1: the fix run failed or timed out (the lane stays as it was; run lanes fix again).`,
  },
  sync: {
    examples: [
      ['lanes sync 123', 'rebase the lane onto its base; a conflict goes to a new session of its agent'],
      ['lanes sync --all --merge', 'every lane, merging the base in instead of rebasing'],
      ['lanes sync 123 --json', 'status, old and new head, backup ref and conflicts, for scripts'],
    ],
    codes: [0, 1, 2, 3, 130],
    note: `${LANE_NOTE}
The old head is kept under refs/lanes/backup/<lane>/<time> until the lane is removed. A lane the agent
cannot resolve is restored exactly as it was and marked needs-you: exit 1. Uncommitted changes: exit 3;
an agent running in the lane: exit 2.`,
  },
  land: {
    examples: [
      ['lanes land --approved --dry-run', 'the order and the predicted conflicts of every pair; nothing changes'],
      ['lanes land --approved', 'land every approved lane, fewest predicted conflicts first'],
      ['lanes land 12 14', 'land these two (a lane without an approving review lands only when named)'],
      ['lanes land --approved --json', 'each lane with its status, tries, commands and pull request, for scripts'],
    ],
    codes: [0, 1, 2, 3, 130],
    note: `For each lane: sync onto the current base, run validate.commands there, then fast-forward the base
(update-ref with the old value; merge --ff-only where the base is checked out) or merge its GitHub pull
request (land.mergeMethod, else the repository's). A base that moved meanwhile is detected and the lane
synced and tried again (land.maxRetries). A lane whose commands fail goes back to review. Order:
land.order, then fewest predicted conflicts. Exit 1: a lane did not land; 3: the base's worktree has
uncommitted changes to files the lanes change, or a lane has uncommitted changes.`,
  },
  run: {
    examples: [
      ['lanes run 12 13 14 15', 'lane, agent, pull request, review and fix rounds for four issues, three at a time'],
      ['lanes run 12 13 --until implement', 'only lanes and agents: stop before the pull requests'],
      ['lanes run 12 13 --max-rounds 2 --adversarial', 'two reviewers, at most two review rounds'],
      ['lanes run 12 13 --parallel 2 --agent codex', 'another implementer'],
      ['lanes run 12 13 --json', 'the summary with every round, for scripts'],
    ],
    codes: [0, 1, 2, 130],
    note: `Checks every agent (name, CLI, credentials or LANES_AGENT_BASE_URL) before making anything.
--until approve (the default) runs pr, review, then fix, pr and review again for the lanes whose review
requested changes, until each is approved or has had --max-rounds reviews; a lane still not approved then
stops as needs-you with its open findings listed. Exit 0: every lane approved (or reached --until);
exit 1: a lane failed or needs you.`,
  },
  review: {
    examples: [
      ['lanes review 123', 'a fresh reviewer of another vendor reviews the lane and audits it against the issue'],
      ['lanes review 123 --adversarial', 'two reviewers of different vendors, merged'],
      ['lanes review 123 --reviewer codex --again', 'a chosen reviewer, even for a head already reviewed'],
      ['lanes review 123 --json', 'verdict, findings and audit for scripts'],
    ],
    codes: [0, 1, 2, 130],
    note: `${LANE_NOTE} Exit 0 whatever the verdict (read it from the output); 1 when a reviewer failed, timed out or never gave a valid answer (the lane is left as it was, state review-failed).`,
  },
  stats: {
    examples: [
      ['lanes stats', 'speed-up, pass rate, fix rounds, findings, agreement, tokens, cost, model-switching saving'],
      ['lanes stats --since 2025-03-01', 'only runs started from that day on (midnight UTC)'],
      ['lanes stats --json', 'every number, for scripts'],
    ],
    codes: [0, 1, 2],
    note: `Wall time: the time when at least one agent ran (the union of the runs); agent time: the sum of the
runs; speed-up: agent time / wall time. First-review pass rate: lanes whose round-1 verdict approved / lanes
with a round-1 verdict. Mean fix rounds: (highest round - 1) averaged over those lanes. Reviewer agreement:
findings of adversarial rounds raised by 2 or more reviewers / findings raised by any reviewer (lanes' own
checks left out). Model switching: the priced runs' tokens priced on the configured or used model that
prices them highest, against what they cost. Runs with no known cost are counted and said, never priced at 0.`,
  },
  cost: {
    examples: [
      ['lanes cost', 'tokens and cost per lane, phase, review round and model, with totals'],
      ['lanes cost 123', 'one lane (removed lanes too)'],
      ['lanes cost --json', 'for scripts'],
    ],
    codes: [0, 1, 2],
    note: 'A review run counts in its review round; a fix run in the round whose findings it answered.',
  },
  heal: {
    examples: [
      ['lanes heal', 'propose rules from findings that recur across lanes; prints the patch of the rules files'],
      ['lanes heal --apply', 'commit the proposed rules on a branch lanes/heal-<date> and open it for review'],
      ['lanes heal --retire H-1a2b3c4d', 'take a rule out (on a branch of its own when it is active)'],
      ['lanes heal --report', "findings of each rule's kind per lane, before and after it became active"],
      ['lanes heal --json', 'groups, proposed rules and the patch, for scripts'],
    ],
    codes: [0, 1, 2, 130],
    note: `Groups fixed, upheld and dropped findings of every lane by category and alike messages; a group of
heal.minLanes lanes or heal.minFindings findings gets a rule worded by the heal agent (phases.heal.agent).
Rules live between markers in the files of heal.files (CLAUDE.md, AGENTS.md, GEMINI.md), never edited on the
base branch: --apply and --retire commit on a new branch. No findings yet: a message, exit 0.`,
  },
  rm: {
    examples: [
      ['lanes rm 123', 'remove a lane whose work is committed and pushed or merged'],
      ['lanes rm 123 --keep-branch', 'keep the branch'],
      ['lanes rm 123 --force', 'remove anyway, after a backup'],
      ['lanes rm --merged --dry-run', 'list the lanes whose work has landed, and why the others stay'],
      ['lanes rm --merged', 'remove those'],
    ],
    codes: [0, 1, 2, 3, 130],
    note: LANE_NOTE,
  },
  runner: {
    examples: [['lanes runner manifest k8s 123', 'what a Kubernetes runner would create for lane issue-123']],
    codes: [0, 1, 2],
  },
  'runner manifest': {
    examples: [
      ['lanes runner manifest k8s issue-123', 'the ConfigMap and Job a run of issue-123 on runner k8s would create'],
      ['lanes runner manifest k8s 123 --phase fix', 'for a fix round'],
      ['lanes runner manifest k8s 123 | kubectl apply --dry-run=server -f -', 'let the cluster check them'],
    ],
    codes: [0, 1, 2],
    note: 'Nothing is pushed, created or recorded; the run number in names and labels is 0 (a real run has its own).',
  },
  doctor: {
    examples: [
      ['lanes doctor', 'report orphans and interrupted operations'],
      ['lanes doctor --fix', 'repair what is safe to repair'],
    ],
    codes: [0, 1, 2],
    note: "With a Kubernetes runner configured, it also lists Jobs labelled as this repository's whose lane or run is gone; --fix deletes them.",
  },
  ui: {
    examples: [
      ['lanes ui', 'serve the dashboard; open the address it prints'],
      ['lanes ui --port 0 --open', 'any free port, and open the browser'],
    ],
    codes: [0, 1, 2, 130],
    note: 'Loopback only. The printed address carries a token for this run; the page keeps it in a cookie.',
  },
  watch: {
    examples: [
      ['lanes watch', 'a line when a lane finishes, fails, needs input or is approved'],
      ['lanes watch --json', 'one JSON object per line, for scripts'],
    ],
    codes: [0, 1, 2, 130],
    note: 'Set notify.command in lanes.config.json to run a command for each event (LANES_EVENT, LANES_LANE, LANES_MESSAGE).',
  },
  'shell-init': {
    examples: [
      ['eval "$(lanes shell-init bash)"', 'in ~/.bashrc: lanes cd changes directory'],
      ['lanes shell-init fish | source', 'in fish'],
    ],
    codes: [0, 2],
  },
};

export function helpText(help: CommandHelp): string {
  const width = Math.max(...help.examples.map(([c]) => c.length));
  const examples = help.examples.map(([c, what]) => `  $ ${c.padEnd(width)}  # ${what}`).join('\n');
  const codes = help.codes.map((code) => `  ${String(code).padStart(3)}  ${CODES[code]}`).join('\n');
  return `${help.note ? `\n${help.note}\n` : ''}\nExamples:\n${examples}\n\nExit codes:\n${codes}\n`;
}

/** For `lanes --help`: where to start, and every exit code. */
export function programHelpText(): string {
  return helpText({
    examples: [
      ['lanes init', 'write lanes.config.json'],
      ['lanes issue add "Add a login page"', 'a local issue (or use GitHub, Linear, Jira)'],
      ['lanes new 1', 'a lane for issue 1, with its agent'],
      ['lanes run 1 2 3', 'lanes and agents for three issues at once'],
      ['lanes ls', 'what every lane is doing'],
    ],
    codes: [0, 1, 2, 3, 130],
  });
}

/** Adds the examples and exit codes to every registered command (and subcommand) that has them. */
export function addCommandHelp(program: Command): void {
  const visit = (cmd: Command, prefix: string) => {
    for (const sub of cmd.commands) {
      const name = prefix ? `${prefix} ${sub.name()}` : sub.name();
      const help = COMMAND_HELP[name];
      if (help) sub.addHelpText('after', helpText(help));
      visit(sub, name);
    }
  };
  visit(program, '');
}
