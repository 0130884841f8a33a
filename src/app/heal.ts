/**
 * `lanes heal`: recurring review findings become rules in the agents' rules files.
 * - propose: groups the stored findings (domain/heal-groups.ts), has the heal agent word a rule per
 *   new qualifying group (heal/word-rules.ts), stores them as `proposed` and shows the patch of
 *   the rules files (at the base branch) that would add every proposed rule.
 * - apply: commits that patch on a branch of its own (`lanes/heal-<date>`) from the base commit,
 *   through a scratch index (no worktree is touched), opens it as a pull request with a forge or
 *   keeps it as a local review request (the branch, recorded on the rules), marks the rules active;
 *   over `heal.maxActive` it retires the least effective active rules in the same change.
 * - retire: the same for taking one rule out.
 * - report: per rule, how often its kind of finding appeared per lane before and after it was applied.
 */
import { InputError, LanesError } from '../domain/errors.js';
import { forgeRemote } from '../domain/forge-remote.js';
import {
  classifyFindings,
  groupFindings,
  ofKind,
  qualifies,
  type HealFinding,
  type HealGroup,
  type HealThresholds,
} from '../domain/heal-groups.js';
import { shortHash } from '../domain/naming.js';
import { sectionRuleIds, statesRule, type SectionRule } from '../domain/rules-section.js';
import type { Config } from '../infra/config-schema.js';
import * as git from '../infra/git.js';
import type { RuleChange, RuleRecord } from '../infra/rule-store.js';
import type { StateStore } from '../infra/store.js';
import type { Context } from './context.js';
import { commitOnNewBranch, planRulesEdit, readRulesAt, stageEdits, type RulesFile } from './heal/rules-files.js';
import { tempRoot, wordRules } from './heal/word-rules.js';

export interface HealGroupJson {
  id: string;
  direction: HealGroup['direction'];
  category: HealGroup['category'];
  lanes: string[];
  findings: number;
  scope: string[];
  /** Whether it meets heal.minLanes or heal.minFindings. */
  qualifies: boolean;
}

export interface HealProposal {
  /** The base branch the patch applies to, and its commit. */
  base: string;
  baseCommit: string;
  /** Findings stored in all verdicts, and those that taught something (fixed, upheld or dropped). */
  findings: number;
  learned: number;
  /** Groups of alike findings no stored rule stands on yet. */
  groups: HealGroupJson[];
  /** Rules proposed by this run. */
  proposed: RuleRecord[];
  /** Every rule waiting for --apply (this run's included). */
  pending: RuleRecord[];
  /** What the heal agent's answer held that was not proposed, and why. */
  notProposed: { group: string; text: string; why: string }[];
  /** The unified diff adding the pending rules to the rules files at the base. */
  patch: string;
  files: string[];
  /** Rules files left alone and why (broken section markers). */
  skipped: { path: string; reason: string }[];
  /** The heal agent's run, when one was needed. */
  runId: number | null;
  /** One sentence for people. */
  message: string;
}

async function baseOf(ctx: Context, config: Config): Promise<{ cwd: string; base: string; baseCommit: string }> {
  const repo = await ctx.repo();
  const cwd = repo.mainRoot;
  const base = config.base ?? (await git.defaultBase(cwd, { signal: ctx.signal }));
  const baseCommit = await git.resolveCommit(cwd, base, { signal: ctx.signal });
  if (!baseCommit) throw new InputError(`base branch ${JSON.stringify(base)} does not exist (lanes.config.json: base)`);
  return { cwd, base, baseCommit };
}

function thresholdsOf(config: Config): HealThresholds {
  return { minLanes: config.heal.minLanes, minFindings: config.heal.minFindings, similarity: config.heal.similarity };
}

function learnedFindings(store: StateStore): { all: number; learned: HealFinding[] } {
  const verdicts = store.reviews.verdictsOf();
  return {
    all: verdicts.reduce((n, v) => n + v.findings.length, 0),
    learned: classifyFindings(verdicts, store.reviews.answersOf()),
  };
}

function groupJson(g: HealGroup, t: HealThresholds): HealGroupJson {
  return {
    id: g.id,
    direction: g.direction,
    category: g.category,
    lanes: g.lanes,
    findings: g.findings.length,
    scope: g.scope,
    qualifies: qualifies(g, t),
  };
}

export function sectionRuleOf(rule: RuleRecord): SectionRule {
  return { id: rule.id, direction: rule.direction, text: rule.text, scope: rule.scope, citations: rule.citations };
}

/** The agent's globs, one line each without backticks (they are shown in code spans); else the group's. */
function cleanScope(given: readonly string[], fallback: readonly string[]): string[] {
  const clean = [...new Set(given.map((g) => g.replace(/[`\r\n]+/g, '').trim()).filter((g) => g !== ''))];
  return clean.length > 0 ? clean : [...fallback];
}

function ruleId(group: HealGroup): string {
  return `H-${shortHash(group.findings.map((f) => f.key).join('\n'))}`;
}

function rulesText(files: readonly RulesFile[]): string {
  return files
    .filter((f) => f.text !== undefined)
    .map((f) => `# ${f.path}\n\n${f.text!.trimEnd()}\n`)
    .join('\n');
}

export async function proposeRules(ctx: Context): Promise<HealProposal> {
  const [config, store] = await Promise.all([ctx.config(), ctx.store()]);
  const t = thresholdsOf(config);
  const { all, learned } = learnedFindings(store);
  const stored = store.rules.list();
  if (all === 0 && !stored.some((r) => r.status === 'proposed')) {
    // Nothing to learn from: said plainly, before git is asked anything (a repository without a base still gets it).
    return {
      base: config.base ?? '',
      baseCommit: '',
      findings: 0,
      learned: 0,
      groups: [],
      proposed: [],
      pending: [],
      notProposed: [],
      patch: '',
      files: [],
      skipped: [],
      runId: null,
      message:
        'no review findings are stored yet: lanes heal learns from the findings of lanes review; nothing to propose',
    };
  }
  const { cwd, base, baseCommit } = await baseOf(ctx, config);
  const cited = new Set(stored.flatMap((r) => r.citations.map((c) => c.key)));
  const groups = groupFindings(learned, t, cited);
  const qualifying = groups.filter((g) => qualifies(g, t));
  const files = await readRulesAt(cwd, baseCommit, config.heal.files, ctx.signal);
  const stated = new Set(files.flatMap((f) => (f.text === undefined ? [] : sectionRuleIds(f.text))));

  const proposed: RuleRecord[] = [];
  const notProposed: HealProposal['notProposed'] = [];
  let runId: number | null = null;
  const fresh = qualifying.filter((g) => !stated.has(ruleId(g)) && !store.rules.get(ruleId(g)));
  if (fresh.length > 0) {
    const { answer, run } = await wordRules(ctx, fresh, rulesText(files));
    runId = run.id;
    const byId = new Map(fresh.map((g) => [g.id, g]));
    const done = new Set<string>();
    const now = ctx.clock.now().toISOString();
    for (const rule of answer.rules) {
      const group = byId.get(rule.group);
      const why = !group
        ? 'the heal agent named no group it was given'
        : done.has(group.id)
          ? 'a second rule for the same group'
          : files.some((f) => f.text !== undefined && statesRule(f.text, rule.text))
            ? 'the rules files already state it'
            : undefined;
      if (why || !group) {
        notProposed.push({ group: rule.group, text: rule.text, why: why! });
        continue;
      }
      done.add(group.id);
      const record: RuleRecord = {
        id: ruleId(group),
        status: 'proposed',
        direction: group.direction,
        category: group.category,
        text: rule.text.replace(/\s+/g, ' ').trim(),
        scope: cleanScope(rule.scope, group.scope),
        group: group.id,
        citations: group.findings.map((f) => ({
          key: f.key,
          lane: f.lane,
          round: f.round,
          id: f.id,
          file: f.file,
          line: f.line,
          message: f.message,
        })),
        runId: run.id,
        createdAt: now,
        activatedAt: null,
        retiredAt: null,
        retiredWhy: null,
        applied: null,
        removed: null,
      };
      store.rules.put(record);
      proposed.push(record);
    }
    for (const g of fresh)
      if (!done.has(g.id) && !notProposed.some((n) => n.group === g.id))
        notProposed.push({
          group: g.id,
          text: '',
          why: 'the heal agent left it out (it judged the current rules cover it)',
        });
  }
  const pending = store.rules.list('proposed');
  const edit = planRulesEdit(files, { add: pending.map(sectionRuleOf) });
  const { patch } = await stageEdits(cwd, baseCommit, edit.edits, { tmpDir: tempRoot(ctx), signal: ctx.signal });
  const message =
    proposed.length > 0
      ? `proposed ${proposed.length} new rule${proposed.length === 1 ? '' : 's'} from ${learned.length} findings that taught something; apply with lanes heal --apply`
      : pending.length > 0
        ? `nothing new to propose; ${pending.length} proposed rule${pending.length === 1 ? '' : 's'} wait for lanes heal --apply`
        : `nothing to propose: no group of alike findings reaches ${t.minLanes} lanes or ${t.minFindings} findings (${learned.length} of ${all} findings were fixed, upheld or dropped)`;
  return {
    base,
    baseCommit,
    findings: all,
    learned: learned.length,
    groups: groups.map((g) => groupJson(g, t)),
    proposed,
    pending,
    notProposed,
    patch,
    files: edit.edits.map((e) => e.path),
    skipped: edit.skipped,
    runId,
    message,
  };
}

export interface HealChangeResult {
  /** The rules this change made active, or retired. */
  activated: RuleRecord[];
  retired: RuleRecord[];
  /** The branch, commit and pull request (or local review request); null when no file had to change. */
  change: RuleChange | null;
  patch: string;
  files: string[];
  skipped: { path: string; reason: string }[];
  warnings: string[];
  message: string;
}

/** Which active rules make room when `incoming` more become active (least effective first). */
function overCap(ctx: Context, store: StateStore, config: Config, incoming: number): RuleRecord[] {
  const active = store.rules.list('active');
  const excess = active.length + incoming - config.heal.maxActive;
  if (excess <= 0) return [];
  const report = new Map(ruleReport(store, active, config.heal.similarity).map((r) => [r.rule, r]));
  // Effect: findings of its kind per lane before minus after; a rule no lane was reviewed after
  // yet is not judged (kept), ties retire the oldest first.
  const effect = (r: RuleRecord) => {
    const e = report.get(r.id)!;
    return e.after.lanes === 0 ? Number.POSITIVE_INFINITY : e.before.perLane - e.after.perLane;
  };
  void ctx;
  return [...active]
    .sort((a, b) => effect(a) - effect(b) || (a.activatedAt ?? '').localeCompare(b.activatedAt ?? ''))
    .slice(0, excess);
}

export async function applyRules(ctx: Context): Promise<HealChangeResult> {
  const [config, store] = await Promise.all([ctx.config(), ctx.store()]);
  const pending = store.rules.list('proposed');
  if (pending.length === 0)
    throw new InputError('there are no proposed rules to apply: run lanes heal first to propose some');
  const make = pending.slice(0, config.heal.maxActive);
  const retire = overCap(ctx, store, config, make.length);
  const stamp = ctx.clock.now().toISOString().slice(0, 10);
  const message = [
    `lanes heal: ${make.length} rule${make.length === 1 ? '' : 's'} learned from review findings`,
    '',
    ...make.map((r) => `- ${r.id}: ${r.text}`),
    ...retire.map((r) => `- retired ${r.id} (over heal.maxActive; least effective)`),
    '',
  ].join('\n');
  const result = await commitChange(ctx, config, {
    add: make.map(sectionRuleOf),
    remove: retire.map((r) => r.id),
    branch: `lanes/heal-${stamp}`,
    message,
    title: `lanes heal: ${make.length} rule${make.length === 1 ? '' : 's'} learned from review findings`,
  });
  const now = ctx.clock.now().toISOString();
  const activated = make.map((r) => ({ ...r, status: 'active' as const, activatedAt: now, applied: result.change }));
  const retired = retire.map((r) => ({
    ...r,
    status: 'retired' as const,
    retiredAt: now,
    retiredWhy: `over heal.maxActive (${config.heal.maxActive}); least effective`,
    removed: result.change,
  }));
  for (const r of [...activated, ...retired]) store.rules.put(r);
  return {
    activated,
    retired,
    ...result,
    message: result.change
      ? `${activated.length} rule${activated.length === 1 ? '' : 's'} active on branch ${result.change.branch}${result.change.url ? ` (${result.change.url})` : ' (local review request: merge it into ' + result.change.base + ' when you agree)'}`
      : `${activated.length} rule${activated.length === 1 ? '' : 's'} active; the rules files at the base already hold them`,
  };
}

export async function retireRule(ctx: Context, id: string): Promise<HealChangeResult> {
  const [config, store] = await Promise.all([ctx.config(), ctx.store()]);
  const rule = store.rules.get(id);
  if (!rule) {
    const known = store.rules
      .list()
      .filter((r) => r.status !== 'retired')
      .map((r) => r.id);
    throw new InputError(
      `no rule ${JSON.stringify(id)}${known.length ? ` (rules: ${known.join(', ')})` : ' (lanes heal has stored no rules)'}`,
    );
  }
  if (rule.status === 'retired') throw new InputError(`rule ${id} is retired already`);
  const now = ctx.clock.now().toISOString();
  if (rule.status === 'proposed') {
    const retired = { ...rule, status: 'retired' as const, retiredAt: now, retiredWhy: 'lanes heal --retire' };
    store.rules.put(retired);
    return {
      activated: [],
      retired: [retired],
      change: null,
      patch: '',
      files: [],
      skipped: [],
      warnings: [],
      message: `rule ${id} was only proposed; it is retired and no file changes`,
    };
  }
  const result = await commitChange(ctx, config, {
    remove: [id],
    branch: `lanes/heal-retire-${id.toLowerCase()}`,
    message: `lanes heal: retire rule ${id}\n\n${rule.text}\n`,
    title: `lanes heal: retire rule ${id}`,
  });
  const retired = {
    ...rule,
    status: 'retired' as const,
    retiredAt: now,
    retiredWhy: 'lanes heal --retire',
    removed: result.change,
  };
  store.rules.put(retired);
  return {
    activated: [],
    retired: [retired],
    ...result,
    message: result.change
      ? `rule ${id} retired; its removal is on branch ${result.change.branch}${result.change.url ? ` (${result.change.url})` : ` (local review request: merge it into ${result.change.base})`}`
      : `rule ${id} retired; the rules files at the base do not hold it (its branch ${rule.applied?.branch ?? ''} is not merged), so no file changes`,
  };
}

async function commitChange(
  ctx: Context,
  config: Config,
  change: { add?: SectionRule[]; remove?: string[]; branch: string; message: string; title: string },
): Promise<Omit<HealChangeResult, 'activated' | 'retired' | 'message'>> {
  const { cwd, base, baseCommit } = await baseOf(ctx, config);
  const files = await readRulesAt(cwd, baseCommit, config.heal.files, ctx.signal);
  const edit = planRulesEdit(files, change);
  const warnings = edit.skipped.map((s) => `${s.path} was left alone: ${s.reason}`);
  if (edit.edits.length === 0 && edit.skipped.length > 0)
    throw new InputError(`no rules file could be edited: ${warnings.join('; ')}`, {
      hint: 'fix the markers of the lanes heal section, then run lanes heal again',
    });
  const { tree, patch } = await stageEdits(cwd, baseCommit, edit.edits, { tmpDir: tempRoot(ctx), signal: ctx.signal });
  if (edit.edits.length === 0) return { change: null, patch, files: [], skipped: edit.skipped, warnings };
  const { branch, commit } = await commitOnNewBranch(cwd, baseCommit, tree, change.message, change.branch, ctx.signal);
  const at = ctx.clock.now().toISOString();
  let result: RuleChange = { branch, commit, base, kind: 'local', number: null, url: null, at };
  const forge = await ctx.forge();
  if (forge) {
    const remote = forgeRemote(config.forge);
    if (!remote) throw new InputError('a GitHub forge needs a remote to push to: set forge.remote');
    // Never forced: the branch is new (commitOnNewBranch picked a free name).
    await git.git(
      cwd,
      ['push', '--porcelain', '--end-of-options', remote, `refs/heads/${branch}:refs/heads/${branch}`],
      { signal: ctx.signal, timeoutMs: 300_000 },
    );
    // The pull request's base is a branch name on the forge (`origin/main` → `main`).
    const prBase = base.startsWith(`${remote}/`) ? base.slice(remote.length + 1) : base.replace(/^refs\/heads\//, '');
    try {
      const pr = await forge.createPullRequest(
        { title: change.title, body: change.message, branch, base: prBase, draft: false },
        ctx.signal,
      );
      result = { ...result, kind: 'github', number: pr.number, url: pr.url };
    } catch (err) {
      // The push stands (it lost nothing); say so before the forge's own message.
      if (err instanceof LanesError)
        ctx.io.err(`lanes: ${branch} was pushed to ${remote}, but ${forge.name} did not take the pull request:`);
      throw err;
    }
  }
  return { change: result, patch, files: edit.edits.map((e) => e.path), skipped: edit.skipped, warnings };
}

export interface RuleReportEntry {
  rule: string;
  status: RuleRecord['status'];
  text: string;
  activatedAt: string | null;
  /** Findings of the rule's kind, lanes reviewed, and findings per lane, before and after it became active. */
  before: { findings: number; lanes: number; perLane: number };
  after: { findings: number; lanes: number; perLane: number };
}

function ruleReport(store: StateStore, rules: readonly RuleRecord[], similarity: number): RuleReportEntry[] {
  const verdicts = store.reviews.verdictsOf();
  return rules.map((rule) => {
    const kind = { category: rule.category, messages: rule.citations.map((c) => c.message) };
    const since = rule.activatedAt;
    const count = (after: boolean) => {
      const vs = verdicts.filter((v) => (since === null ? !after : after ? v.createdAt >= since : v.createdAt < since));
      const lanes = new Set(vs.map((v) => v.lane)).size;
      const seen = new Set<string>();
      for (const v of vs) for (const f of v.findings) if (ofKind(f, kind, similarity)) seen.add(`${v.lane}\0${f.id}`);
      return { findings: seen.size, lanes, perLane: lanes === 0 ? 0 : Math.round((seen.size / lanes) * 100) / 100 };
    };
    return {
      rule: rule.id,
      status: rule.status,
      text: rule.text,
      activatedAt: since,
      before: count(false),
      after: count(true),
    };
  });
}

export async function healReport(ctx: Context): Promise<RuleReportEntry[]> {
  const [config, store] = await Promise.all([ctx.config(), ctx.store()]);
  return ruleReport(store, store.rules.list(), config.heal.similarity);
}
