/**
 * The section of the agents' rules files (CLAUDE.md, AGENTS.md, GEMINI.md) that `lanes heal` owns.
 * Pure text editing: everything outside the section is the user's and is kept byte for byte.
 *
 *   <!-- lanes:heal:start … -->
 *   ## Rules learned from review findings (lanes heal)
 *   <!-- lanes:rule H-1a2b3c4d -->
 *   - **H-1a2b3c4d** (for implementers; scope `src/api/**`): the rule.
 *     - from issue-1 round 1, src/api/a.ts:12: "the finding's message"
 *   <!-- lanes:heal:end -->
 *
 * Each rule is a block that starts at its `<!-- lanes:rule ID -->` line and runs to the next block
 * or the end marker. Edits are made on top of what the file holds: a block the user changed inside
 * the section is kept as they left it, a new rule is appended, a retired one's block is removed;
 * text of the section that belongs to no block stays. A file whose markers are broken (a start
 * without an end, two starts, an end first) is not edited: the caller gets the reason.
 */

export const SECTION_START =
  '<!-- lanes:heal:start (written by lanes heal: edit outside this section, or retire a rule with lanes heal --retire <id>) -->';
const START_PREFIX = '<!-- lanes:heal:start';
export const SECTION_END = '<!-- lanes:heal:end -->';
const RULE_PREFIX = '<!-- lanes:rule ';
const HEADING = '## Rules learned from review findings (lanes heal)';

export interface SectionRule {
  id: string;
  direction: 'implementer' | 'reviewer';
  text: string;
  scope: string[];
  citations: { lane: string; round: number; file: string | null; line: number | null; message: string }[];
}

export interface ParsedSection {
  /** Lines before the start marker (the start marker excluded), as in the file. */
  before: string[];
  /** Section lines that belong to no rule block (the heading, the user's own notes). */
  preamble: string[];
  blocks: { id: string; lines: string[] }[];
  after: string[];
  /** Whether the file has the section at all. */
  present: boolean;
  /** The line ending the file uses. */
  eol: string;
}

export type SectionParse = { ok: true; section: ParsedSection } | { ok: false; reason: string };

export function parseSection(text: string): SectionParse {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const starts = lines.flatMap((l, i) => (l.trim().startsWith(START_PREFIX) ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trim() === SECTION_END ? [i] : []));
  if (starts.length === 0 && ends.length === 0)
    return { ok: true, section: { before: lines, preamble: [], blocks: [], after: [], present: false, eol } };
  if (starts.length !== 1 || ends.length !== 1)
    return {
      ok: false,
      reason: `it has ${starts.length} start and ${ends.length} end markers of the lanes heal section (expected one of each)`,
    };
  const [s, e] = [starts[0]!, ends[0]!];
  if (e < s) return { ok: false, reason: 'the end marker of the lanes heal section comes before its start marker' };
  const body = lines.slice(s + 1, e);
  const preamble: string[] = [];
  const blocks: ParsedSection['blocks'] = [];
  for (const line of body) {
    const id = ruleMarkerId(line);
    if (id !== undefined) blocks.push({ id, lines: [line] });
    else if (blocks.length > 0) blocks[blocks.length - 1]!.lines.push(line);
    else preamble.push(line);
  }
  return {
    ok: true,
    section: { before: lines.slice(0, s), preamble, blocks, after: lines.slice(e + 1), present: true, eol },
  };
}

function ruleMarkerId(line: string): string | undefined {
  const t = line.trim();
  if (!t.startsWith(RULE_PREFIX) || !t.endsWith('-->')) return undefined;
  return t.slice(RULE_PREFIX.length, -3).trim() || undefined;
}

/** The ids of the rules a file's section holds (empty without a section or with broken markers). */
export function sectionRuleIds(text: string): string[] {
  const parsed = parseSection(text);
  return parsed.ok ? parsed.section.blocks.map((b) => b.id) : [];
}

/** One rule's block, as lanes writes it. */
export function renderRule(rule: SectionRule): string[] {
  const who = rule.direction === 'implementer' ? 'for implementers' : 'for reviewers';
  const scope = rule.scope.length > 0 ? `; scope ${rule.scope.map((g) => `\`${g}\``).join(', ')}` : '';
  const text = oneLine(rule.text);
  return [
    `${RULE_PREFIX}${rule.id} -->`,
    `- **${rule.id}** (${who}${scope}): ${text}`,
    ...rule.citations.map((c) => {
      const where = c.file ? `, ${c.file}${c.line ? `:${c.line}` : ''}` : '';
      return `  - from ${c.lane} round ${c.round}${where}: "${oneLine(c.message).replace(/"/g, "'")}"`;
    }),
  ];
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The file with `add` appended to its section (made at the end of the file when it has none) and
 * the blocks of `remove` taken out. Blocks already present keep their text; a rule added that the
 * section already holds is not added twice. `undefined` text: the file does not exist yet.
 */
export function editSection(
  text: string | undefined,
  change: { add?: readonly SectionRule[]; remove?: readonly string[] },
): { ok: true; text: string } | { ok: false; reason: string } {
  const parsed = parseSection(text ?? '');
  if (!parsed.ok) return parsed;
  const { section } = parsed;
  const remove = new Set(change.remove ?? []);
  const held = new Set(section.blocks.map((b) => b.id));
  const adding = (change.add ?? []).filter((r) => !held.has(r.id) && !remove.has(r.id));
  // Nothing to add or take out: the file stays byte for byte (no empty section is made).
  if (adding.length === 0 && !section.blocks.some((b) => remove.has(b.id))) return { ok: true, text: text ?? '' };
  const blocks = section.blocks.filter((b) => !remove.has(b.id)).map((b) => b.lines);
  for (const rule of adding) blocks.push(renderRule(rule));
  // A block's trailing blank lines belong between blocks, not inside the section's end.
  const body = [...(section.present ? section.preamble : [HEADING, '']), ...blocks.flat()];
  while (body.length > 0 && body[body.length - 1]!.trim() === '') body.pop();
  const sectionLines = [SECTION_START, ...body, SECTION_END];
  let lines: string[];
  if (section.present) {
    lines = [...section.before, ...sectionLines, ...section.after];
  } else {
    const before = [...section.before];
    // The file's last line break stays the last thing before the section; a blank line separates them.
    while (before.length > 0 && before[before.length - 1] === '') before.pop();
    lines = before.length > 0 ? [...before, '', ...sectionLines, ''] : [...sectionLines, ''];
  }
  return { ok: true, text: lines.join(section.eol) };
}

/** Whether `text` already states `rule` (ignoring case, spacing and punctuation). */
export function statesRule(text: string, rule: string): boolean {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ')
      .trim();
  const r = norm(rule);
  return r.length > 0 && norm(text).includes(r);
}
