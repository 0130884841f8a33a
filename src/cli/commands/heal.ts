/** `lanes heal`: recurring review findings become rules in the agents' rules files (propose, apply, retire, report). */
import type { Command } from 'commander';
import { InputError } from '../../domain/errors.js';
import { action, type CliRuntime } from '../command.js';
import { oneLine, printJson, table } from '../output.js';

interface HealFlags {
  apply?: boolean;
  retire?: string;
  report?: boolean;
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('heal')
    .description(
      'propose rules for the agents from review findings that recur across lanes, as a patch of the rules files; --apply commits it on a branch of its own',
    )
    .option(
      '--apply',
      'commit the proposed rules on a new branch (lanes/heal-<date>) and open it for review; marks them active',
    )
    .option('--retire <rule>', 'take a rule out (a proposed one at once, an active one on a new branch)')
    .option('--report', 'per rule: findings of its kind per lane before and after it became active')
    .action(
      action(runtime, async (ctx, globals, opts: HealFlags) => {
        const chosen = [opts.apply, opts.retire !== undefined, opts.report].filter(Boolean).length;
        if (chosen > 1) throw new InputError('choose one of --apply, --retire <rule> and --report');
        const heal = await import('../../app/heal.js');
        if (opts.report) {
          const report = await heal.healReport(ctx);
          if (globals.json) printJson(ctx.io, { rules: report });
          else if (report.length === 0)
            ctx.io.err('lanes: no rules yet: lanes heal proposes them from review findings');
          else
            ctx.io.out(
              table(
                report.map((r) => [
                  r.rule,
                  r.status,
                  r.activatedAt ? r.activatedAt.slice(0, 10) : '-',
                  `${r.before.findings}/${r.before.lanes} (${r.before.perLane})`,
                  r.activatedAt ? `${r.after.findings}/${r.after.lanes} (${r.after.perLane})` : '-',
                  oneLine(r.text, 70),
                ]),
                ['RULE', 'STATUS', 'ACTIVE SINCE', 'BEFORE: FINDINGS/LANES', 'AFTER', 'RULE TEXT'],
              ),
            );
          return 0;
        }
        if (opts.apply || opts.retire !== undefined) {
          const result = opts.apply ? await heal.applyRules(ctx) : await heal.retireRule(ctx, opts.retire!);
          if (globals.json) printJson(ctx.io, result);
          else {
            if (result.patch) ctx.io.out(result.patch.trimEnd());
            for (const w of result.warnings) ctx.io.err(`lanes: warning: ${w}`);
            ctx.io.err(`lanes: ${result.message}`);
          }
          return 0;
        }
        const proposal = await heal.proposeRules(ctx);
        if (globals.json) printJson(ctx.io, proposal);
        else {
          if (proposal.patch) ctx.io.out(proposal.patch.trimEnd());
          for (const s of proposal.skipped) ctx.io.err(`lanes: warning: ${s.path} was left alone: ${s.reason}`);
          for (const n of proposal.notProposed)
            ctx.io.err(`lanes: group ${n.group} not proposed: ${n.why}${n.text ? ` (${oneLine(n.text, 80)})` : ''}`);
          ctx.io.err(`lanes: ${proposal.message}`);
        }
        return 0;
      }),
    );
}
