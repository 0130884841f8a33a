import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { InputError } from '../../domain/errors.js';
import type { Issue } from '../../domain/issue.js';
import { action, type CliRuntime } from '../command.js';
import { oneLine, printJson, table } from '../output.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError(`--limit ${JSON.stringify(value)}: expected a whole number of at least 1`);
  return n;
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('issues')
    .description('list issues from the configured source')
    .option('--label <label>', 'only issues with this label')
    .addOption(new Option('--state <state>', 'open, closed or all').choices(['open', 'closed', 'all']).default('open'))
    .option('--assignee <user>', 'only issues assigned to this user')
    .option('--search <text>', 'only issues whose title or body contains the text')
    .option(
      '--limit <n>',
      'at most this many issues (default: every local issue, the first 100 from a tracker)',
      positiveInt,
    )
    .option(
      '--source <source>',
      'issue source for this command instead of config issues.source: local, github, linear or jira',
    )
    .action(
      action(
        runtime,
        async (
          ctx,
          globals,
          opts: {
            label?: string;
            state?: 'open' | 'closed' | 'all';
            assignee?: string;
            search?: string;
            limit?: number;
            source?: string;
          },
        ) => {
          const source = await ctx.issueSource(opts.source);
          const { source: _override, ...filter } = opts;
          const issues = await source.listIssues(filter, ctx.signal);
          if (globals.json) return printJson(ctx.io, issues);
          if (issues.length === 0) return ctx.io.err('lanes: no issues match');
          ctx.io.out(
            table(
              issues.map((i) => [i.id, i.state, oneLine(i.title, 60), i.labels.join(',')]),
              ['ID', 'STATE', 'TITLE', 'LABELS'],
            ),
          );
        },
      ),
    );

  const issue = program.command('issue').description('work with single issues');
  issue
    .command('add')
    .description('create a local issue file (local source)')
    .argument('<title>', 'the issue title')
    .option('--body <file>', 'read the body from a file (- for standard input)')
    .option('--label <label>', 'a label (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .action(
      action(runtime, async (ctx, globals, title: string, opts: { body?: string; label: string[] }) => {
        if (title.trim() === '')
          throw new InputError('the issue title is empty; give a title, e.g. lanes issue add "Add login page"');
        const source = await ctx.issueSource();
        if (!source.addIssue)
          throw new InputError(`lanes issue add creates local issue files; the configured source is ${source.name}`);
        let body = '';
        if (opts.body !== undefined) {
          try {
            body = readFileSync(opts.body === '-' ? 0 : opts.body, 'utf8');
          } catch (err) {
            throw new InputError(
              `--body ${JSON.stringify(opts.body)}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
            );
          }
        }
        const created: Issue = await source.addIssue({ title, body, labels: opts.label });
        if (globals.json) return printJson(ctx.io, created);
        ctx.io.out(`${created.id}\n`);
        ctx.io.err(`lanes: created issue ${created.id}: ${oneLine(created.title, 80)} (${created.url})`);
      }),
    );
}
