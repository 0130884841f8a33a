/** `lanes pr`: push the lane's branch and open or update its pull request, or record the local review request. */
import type { Command } from 'commander';
import type { PullRequestResult } from '../../app/validation/open-pull-request.js';
import { action, type CliRuntime } from '../command.js';
import { printJson } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('pr')
    .description(
      "push a lane's branch and open (or update) its pull request; with no forge, record a local review request",
    )
    .argument('<lane>', 'lane name or issue number')
    .option('--draft', 'open the pull request as a draft')
    .action(
      action(runtime, async (ctx, globals, name: string, opts: { draft?: boolean }) => {
        const { openPullRequest } = await import('../../app/validation/open-pull-request.js');
        const result = await openPullRequest(ctx, name, { draft: opts.draft === true });
        for (const warning of result.warnings) ctx.io.err(`lanes: warning: ${warning}`);
        if (globals.json) return printJson(ctx.io, result);
        ctx.io.out(describe(result));
      }),
    );
}

const PUSHED: Record<string, string> = {
  new: 'a new branch there',
  updated: 'fast-forward',
  forced: 'forced',
  'up-to-date': 'it was up to date',
  deleted: 'deleted',
  rejected: 'rejected',
};

/** What happened, in the words a person checks: what was pushed where, what was opened or updated. */
function describe(result: PullRequestResult): string {
  const { request: r } = result;
  const lines: string[] = [];
  lines.push(
    result.pushed
      ? `pushed ${result.lane}'s branch to ${result.pushed} (${PUSHED[result.pushStatus ?? ''] ?? result.pushStatus})`
      : 'nothing pushed',
  );
  if (r.kind === 'github')
    lines.push(
      `${result.created ? 'opened' : 'updated'} pull request #${r.number}${r.draft ? ' (draft)' : ''}: ${r.url}`,
    );
  else lines.push(`${result.created ? 'recorded' : 'updated'} the local review request of ${result.lane}`);
  const s = r.diffStat;
  lines.push(
    `  ${result.title}`,
    `  ${r.base} ${r.baseCommit.slice(0, 12)}..${r.head.slice(0, 12)}: ${s.files} file${s.files === 1 ? '' : 's'} changed, +${s.insertions} -${s.deletions}`,
    `next: lanes review ${result.lane}`,
  );
  return `${lines.join('\n')}\n`;
}
