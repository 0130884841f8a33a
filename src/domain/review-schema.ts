/**
 * The one schema of a reviewer's answer (and of a fixer's answers to findings), in zod. The same
 * schema checks what a reviewer said and, exported as JSON Schema, is handed to the CLIs that
 * enforce it (`codex exec --output-schema`, `claude --json-schema`). Every field is required (a
 * missing value is null or an empty list): that is what strict structured output accepts, and it
 * leaves a reviewer nothing to forget.
 */
import { z } from 'zod';
import {
  CRITERION_STATUSES,
  DISPUTE_DECISIONS,
  FINDING_ANSWERS,
  FINDING_CATEGORIES,
  SEVERITIES,
  VERDICTS,
  type ReviewerAnswer,
} from './review.js';

const FindingSchema = z.strictObject({
  id: z.string().min(1).describe('Your own short id for the finding, unique in this answer (F1, F2 …).'),
  severity: z.enum(SEVERITIES),
  category: z.enum(FINDING_CATEGORIES),
  file: z.string().min(1).nullable().describe('Path relative to the repository root; null for the change as a whole.'),
  line: z.number().int().min(1).nullable().describe('Line in the new version of the file.'),
  endLine: z.number().int().min(1).nullable(),
  message: z.string().min(1).describe('What is wrong and why it matters.'),
  suggestion: z.string().nullable().describe('How to fix it.'),
  confidence: z.number().min(0).max(1),
  reviewers: z.array(z.string()).describe('Leave empty: lanes fills in who raised it.'),
});

const AuditSchema = z.strictObject({
  criteria: z.array(
    z.strictObject({
      text: z.string().min(1).describe('The acceptance criterion, as the issue states it.'),
      status: z.enum(CRITERION_STATUSES),
      evidence: z.array(z.string()).describe('file:line references in the diff that meet or miss it.'),
    }),
  ),
  scopeDrift: z.array(z.string()).describe('Files or behaviour the change adds that the issue did not ask for.'),
});

export const ReviewAnswerSchema = z.strictObject({
  verdict: z.enum(VERDICTS),
  findings: z.array(FindingSchema),
  audit: AuditSchema,
  disputes: z
    .array(
      z.strictObject({
        id: z.string().min(1).describe('The id of a disputed finding listed in the prompt.'),
        decision: z.enum(DISPUTE_DECISIONS),
        reason: z.string(),
      }),
    )
    .describe('Your judgement of each disputed finding listed in the prompt; empty when none is listed.'),
});

export const FixAnswerSchema = z.strictObject({
  answers: z.array(
    z.strictObject({
      id: z.string().min(1).describe('The finding id from the prompt (R1-2).'),
      status: z.enum(FINDING_ANSWERS),
      commit: z.string().nullable().describe('The commit that fixes it, when fixed.'),
      reason: z.string().nullable().describe('Why it is disputed or deferred.'),
    }),
  ),
});
export type FixAnswer = z.infer<typeof FixAnswerSchema>;

/** The JSON Schema a CLI is given, as text. */
export function reviewJsonSchema(): string {
  return portableSchema(ReviewAnswerSchema);
}

export function fixJsonSchema(): string {
  return portableSchema(FixAnswerSchema);
}

/**
 * The schema as strict structured output accepts it everywhere: without `$schema` and the string
 * length and safe-integer bounds some providers refuse. lanes checks those itself with zod.
 */
export function portableSchema(schema: z.ZodType): string {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$schema' || key === 'minLength' || key === 'maxLength') continue;
      if ((key === 'maximum' || key === 'minimum') && Math.abs(value as number) >= Number.MAX_SAFE_INTEGER) continue;
      out[key] = strip(value);
    }
    return out;
  };
  return `${JSON.stringify(strip(z.toJSONSchema(schema, { target: 'draft-7' })), null, 2)}\n`;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The JSON object in an agent's final answer: the whole text, else the fenced blocks (the last
 * first), else the span from the first `{` to the last `}`, else each balanced `{…}` (the last
 * first). Only an object is an answer: when the whole text or the deciding fenced block is JSON of
 * another kind (an array, a scalar), there is no answer, not an object dug out of it. Undefined
 * when there is none (an answer in prose).
 */
export function extractJson(text: string): unknown {
  for (const candidate of [text.trim(), ...fencedBlocks(text).reverse()]) {
    const value = parseJson(candidate);
    if (value !== NOT_JSON) return isObject(value) ? value : undefined;
  }
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  const spans = first !== -1 && last > first ? [text.slice(first, last + 1)] : [];
  for (const candidate of [...spans, ...balancedObjects(text).reverse()]) {
    const value = parseJson(candidate);
    if (isObject(value)) return value;
  }
  return undefined;
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The contents of the fenced code blocks (any info string), read line by line as Markdown does: a
 * block closes only at a fence of its own kind at least as long, so a ```ts block's braces or a
 * closing fence never pair with the next block's opening.
 */
function fencedBlocks(text: string): string[] {
  const blocks: string[] = [];
  let open: { fence: string; lines: string[] } | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (!open) {
      const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
      if (m) open = { fence: m[1]!, lines: [] };
      continue;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (close && close[1]![0] === open.fence[0] && close[1]!.length >= open.fence.length) {
      blocks.push(open.lines.join('\n'));
      open = undefined;
    } else open.lines.push(line);
  }
  return blocks;
}

/** Each outermost `{…}` span whose braces balance, braces inside JSON strings not counted. */
function balancedObjects(text: string): string[] {
  const spans: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"' && depth > 0) inString = true;
    else if (ch === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}' && depth > 0) {
      depth--;
      if (depth === 0) spans.push(text.slice(start, i + 1));
    }
  }
  return spans;
}

/** Checks a reviewer's final answer; the error names the first fields that are wrong. */
export function parseReviewAnswer(text: string): Parsed<ReviewerAnswer> {
  return parseWith(ReviewAnswerSchema, text, 'a review');
}

export function parseFixAnswer(text: string): Parsed<FixAnswer> {
  return parseWith(FixAnswerSchema, text, 'answers to the findings');
}

export function parseWith<T>(schema: z.ZodType<T>, text: string, what: string): Parsed<T> {
  const json = extractJson(text);
  if (json === undefined) {
    const start = text.trim().slice(0, 80).replace(/\s+/g, ' ');
    return { ok: false, error: `the answer holds no JSON object (it began: ${JSON.stringify(start)})` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top)'}: ${i.message}`);
  return { ok: false, error: `the JSON is not ${what} as the schema asks: ${problems.join('; ')}` };
}
