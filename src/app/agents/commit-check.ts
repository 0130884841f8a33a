/**
 * An implementer run that ends "done" without a new commit on its lane's branch did not deliver
 * what lanes asks of it (commit the work): the run stays done, with a warning as its reason, and
 * the transcript's failed `git commit`, when there is one, says why.
 */
import type { AgentEvent } from '../../domain/agent-events.js';

/** Every no-commit warning starts so; `ls` and `run` recognise the warning of a done run by it. */
export const NO_COMMIT_WARNING = 'finished without a new commit';

export function noCommitWarning(branch: string, events: readonly AgentEvent[]): string {
  const failure = failedCommit(events);
  return `${NO_COMMIT_WARNING} on branch ${branch}${failure ? `: git commit failed: ${failure}` : ' (lanes diff shows what it left uncommitted)'}`;
}

export function isNoCommitWarning(reason: string | null | undefined): boolean {
  return reason?.startsWith(NO_COMMIT_WARNING) === true;
}

/** The key line of the last failed tool call that ran `git commit`, if the transcript has one. */
export function failedCommit(events: readonly AgentEvent[]): string | undefined {
  const commitCalls = new Set<string>();
  let lastWasCommit = false;
  let found: string | undefined;
  for (const event of events) {
    if (event.type === 'tool-use') {
      lastWasCommit = /\bgit\b[^\n]*\bcommit\b/.test(JSON.stringify(event.input ?? ''));
      if (lastWasCommit && event.id !== undefined) commitCalls.add(event.id);
    } else if (event.type === 'tool-result') {
      // Results are matched by id where the CLI gives one, else to the call just before them.
      const ofCommit = event.id !== undefined && commitCalls.size > 0 ? commitCalls.has(event.id) : lastWasCommit;
      if (ofCommit && !event.ok) found = keyLine(event.output ?? '') || 'no output';
      else if (ofCommit) found = undefined;
    }
  }
  return found;
}

function keyLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^exit code \d+$/i.test(l));
  // git's fatal/error line, else its last word (a summary like "nothing added to commit …" or a hook's verdict).
  const line = lines.find((l) => /^(fatal|error):/i.test(l)) ?? lines[lines.length - 1] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
