/**
 * What the heal agent is given and must answer: the groups of recurring findings and the current
 * rules text, and one rule per group it words (pure). The agent runs in a clean folder holding
 * only these, so it judges the rules files without loading and obeying them.
 */
import { z } from 'zod';
import type { HealGroup } from './heal-groups.js';
import { parseWith, portableSchema, type Parsed } from './review-schema.js';

const HealAnswerSchema = z.strictObject({
  rules: z.array(
    z.strictObject({
      group: z.string().min(1).describe('The id of the group this rule comes from, as given.'),
      text: z
        .string()
        .min(1)
        .max(600)
        .describe('The rule: one or two imperative sentences an agent can follow, without citing the findings.'),
      scope: z
        .array(z.string().min(1))
        .describe('Path globs the rule applies to (the group scope when it fits); empty for the whole repository.'),
    }),
  ),
});

export type HealAnswer = z.infer<typeof HealAnswerSchema>;

export function healJsonSchema(): string {
  return portableSchema(HealAnswerSchema);
}

export function parseHealAnswer(text: string): Parsed<HealAnswer> {
  return parseWith(HealAnswerSchema, text, 'heal rules');
}

/** The groups as the agent gets them (also written to findings.json in its folder). */
export function healGroupsJson(groups: readonly HealGroup[]): string {
  const shape = groups.map((g) => ({
    group: g.id,
    direction: g.direction,
    category: g.category,
    scope: g.scope,
    commonTerms: g.terms,
    findings: g.findings.map((f) => ({
      lane: f.lane,
      round: f.round,
      id: f.id,
      severity: f.severity,
      file: f.file,
      line: f.line,
      message: f.message,
    })),
  }));
  return `${JSON.stringify(shape, null, 2)}\n`;
}

export function healPrompt(input: { groupsJson: string; rulesText: string }): string {
  return [
    'You maintain the rules that coding agents and code reviewers of this repository follow.',
    'Review findings below recur across work on different issues. Each group is one kind of mistake:',
    '- direction "implementer": the implementer made the mistake and the reviewer was right (the finding was fixed or upheld);',
    '  write a rule that tells implementers how to avoid it.',
    '- direction "reviewer": the reviewer raised a false alarm (the finding was disputed and dropped);',
    '  write a rule that tells reviewers what not to flag, or what to check before flagging it.',
    '',
    'For each group write exactly one concrete, checkable rule: imperative, at most two sentences, general',
    'enough to apply to future work, specific enough to act on. Do not cite the findings (lanes adds the',
    'citations). Give the scope as path globs when the rule only concerns some paths (start from the',
    "group's scope), else an empty list. Leave out a group whose lesson the current rules already state.",
    '',
    'Answer with one JSON object and nothing else: {"rules": [{"group": "<group id>", "text": "<rule>", "scope": ["<glob>"]}]}.',
    'Do not read or change any file: everything you need is here (the same content is in findings.json and',
    'current-rules.md in your working folder).',
    '',
    '## Groups of recurring findings (findings.json)',
    '',
    '```json',
    input.groupsJson.trimEnd(),
    '```',
    '',
    '## The current rules files (current-rules.md)',
    '',
    input.rulesText.trim() === '' ? '(there are no rules files yet)' : input.rulesText.trimEnd(),
    '',
  ].join('\n');
}
