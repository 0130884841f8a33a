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
function portableSchema(schema: z.ZodType): string {
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
 * The JSON object in an agent's final answer: the whole text, else the last fenced ```json block,
 * else the span from the first `{` to the last `}`. Undefined when there is none (an answer in prose).
 */
export function extractJson(text: string): unknown {
  const candidates = [text.trim()];
  const fenced = [...text.matchAll(/```(?:json)?\s*\n([\s\S]*?)\n\s*```/g)].map((m) => m[1]!);
  candidates.push(...fenced.reverse());
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first !== -1 && last > first) candidates.push(text.slice(first, last + 1));
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (typeof value === 'object' && value !== null) return value;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Checks a reviewer's final answer; the error names the first fields that are wrong. */
export function parseReviewAnswer(text: string): Parsed<ReviewerAnswer> {
  return parseWith(ReviewAnswerSchema, text, 'a review');
}

export function parseFixAnswer(text: string): Parsed<FixAnswer> {
  return parseWith(FixAnswerSchema, text, 'answers to the findings');
}

function parseWith<T>(schema: z.ZodType<T>, text: string, what: string): Parsed<T> {
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
