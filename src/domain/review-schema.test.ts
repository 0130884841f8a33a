// ajv (a dev dependency) checks the exported schema against draft-07's meta-schema and against zod.
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { extractJson, fixJsonSchema, parseFixAnswer, parseReviewAnswer, reviewJsonSchema } from './review-schema.js';

const VALID = {
  verdict: 'request-changes',
  findings: [
    {
      id: 'F1',
      severity: 'major',
      category: 'bug',
      file: 'src/a.ts',
      line: 3,
      endLine: null,
      message: 'wrong sum',
      suggestion: null,
      confidence: 0.8,
      reviewers: [],
    },
  ],
  audit: { criteria: [{ text: 'adds', status: 'met', evidence: ['src/a.ts:3'] }], scopeDrift: [] },
  disputes: [],
};

describe('extractJson', () => {
  it('reads the whole text when it is JSON', () => {
    expect(extractJson('  {"a": 1}\n')).toEqual({ a: 1 });
  });

  it('reads a fenced block, the last one when there are several', () => {
    const text = 'First try:\n```json\n{"a": 1}\n```\nBetter:\n```\n{"a": 2}\n```\n';
    expect(extractJson(text)).toEqual({ a: 2 });
  });

  it('finds the JSON block after a fenced block of code with braces in it', () => {
    const text = 'The bug is here:\n```ts\nfunction f() { return 1; }\n```\nMy review:\n```json\n{"a": 3}\n```';
    expect(extractJson(text)).toEqual({ a: 3 });
  });

  it('reads a fence whose info string is JSON in capitals', () => {
    expect(extractJson('Answer:\n```JSON\n{"a": 4}\n```\n')).toEqual({ a: 4 });
  });

  it('reads an object with prose around it', () => {
    expect(extractJson('Here is my review: {"a": {"b": [1, 2]}} Thanks!')).toEqual({ a: { b: [1, 2] } });
  });

  it('reads the object when the prose after it has braces too', () => {
    expect(extractJson('Review: {"a": 5}\nNote: I used {curly} words.')).toEqual({ a: 5 });
  });

  it('keeps braces inside strings', () => {
    expect(extractJson('ok {"m": "use } and { here"} done')).toEqual({ m: 'use } and { here' });
  });

  it('finds nothing in prose', () => {
    expect(extractJson('I approve this change; it looks good.')).toBeUndefined();
    expect(extractJson('')).toBeUndefined();
    expect(extractJson('{ not json }')).toBeUndefined();
  });

  it('rejects arrays and scalars: an answer is an object', () => {
    expect(extractJson('[{"a": 1}]')).toBeUndefined();
    expect(extractJson('```json\n[1, 2]\n```')).toBeUndefined();
    expect(extractJson('My findings:\n```json\n[{"a": 1}]\n```')).toBeUndefined();
    expect(extractJson('```json\n[1]\n```\nand finally\n```json\n{"a": 6}\n```')).toEqual({ a: 6 });
    expect(extractJson('42')).toBeUndefined();
    expect(extractJson('"text"')).toBeUndefined();
    expect(extractJson('null')).toBeUndefined();
  });
});

describe('parseReviewAnswer', () => {
  it('accepts a valid answer, in a fence with prose around it too', () => {
    expect(parseReviewAnswer(JSON.stringify(VALID))).toEqual({ ok: true, value: VALID });
    expect(parseReviewAnswer(`Done.\n\`\`\`json\n${JSON.stringify(VALID, null, 2)}\n\`\`\``)).toEqual({
      ok: true,
      value: VALID,
    });
  });

  it('names the path of the first wrong fields', () => {
    const bad = structuredClone(VALID) as Record<string, unknown> & typeof VALID;
    (bad.findings[0] as Record<string, unknown>).severity = 'critical';
    (bad.findings[0] as Record<string, unknown>).confidence = 2;
    const res = parseReviewAnswer(JSON.stringify(bad));
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error).toMatch(/^the JSON is not a review as the schema asks: /);
    expect(res.error).toContain('findings.0.severity: ');
    expect(res.error).toContain('findings.0.confidence: ');
  });

  it('names a missing field, an unknown field and a wrong top level', () => {
    const { disputes: _d, ...missing } = VALID;
    const res = parseReviewAnswer(JSON.stringify(missing));
    expect(res).toEqual({ ok: false, error: expect.stringContaining('disputes: ') });

    const extra = parseReviewAnswer(JSON.stringify({ ...VALID, audit: { ...VALID.audit, score: 3 } }));
    expect(extra).toEqual({ ok: false, error: expect.stringMatching(/audit: .*score/) });

    const nested = structuredClone(VALID);
    (nested.audit.criteria[0] as Record<string, unknown>).status = 'done';
    expect(parseReviewAnswer(JSON.stringify(nested))).toEqual({
      ok: false,
      error: expect.stringContaining('audit.criteria.0.status: '),
    });
  });

  it('says an answer in prose holds no JSON, quoting how it began', () => {
    const res = parseReviewAnswer('LGTM!\n\nShip it.');
    expect(res).toEqual({ ok: false, error: 'the answer holds no JSON object (it began: "LGTM! Ship it.")' });
  });

  it('checks a fixer’s answers the same way', () => {
    expect(parseFixAnswer('{"answers":[{"id":"R1-1","status":"fixed","commit":"abc","reason":null}]}').ok).toBe(true);
    expect(parseFixAnswer('{"answers":[{"id":"R1-1","status":"ignored","commit":null,"reason":null}]}')).toEqual({
      ok: false,
      error: expect.stringContaining('answers.0.status: '),
    });
  });
});

type Schema = { [key: string]: unknown };

/** Every object schema in the tree, with the path to it. */
function objectSchemas(node: unknown, path = '#'): { path: string; schema: Schema }[] {
  if (typeof node !== 'object' || node === null) return [];
  const out: { path: string; schema: Schema }[] = [];
  const schema = node as Schema;
  if (schema.type === 'object') out.push({ path, schema });
  for (const [key, value] of Object.entries(schema)) {
    if (Array.isArray(value)) value.forEach((v, i) => out.push(...objectSchemas(v, `${path}/${key}/${i}`)));
    else out.push(...objectSchemas(value, `${path}/${key}`));
  }
  return out;
}

describe.each([
  ['review', reviewJsonSchema],
  ['fix', fixJsonSchema],
])('the %s JSON Schema', (_name, make) => {
  const schema = JSON.parse(make()) as Schema;

  it('is a valid draft-07 JSON Schema', () => {
    const ajv = new Ajv();
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
  });

  it('is strict: every object closes its properties and requires all of them', () => {
    const objects = objectSchemas(schema);
    expect(objects.length).toBeGreaterThan(1);
    for (const { path, schema: obj } of objects) {
      expect(obj.additionalProperties, path).toBe(false);
      expect([...((obj.required as string[]) ?? [])].sort(), path).toEqual(
        Object.keys(obj.properties as Schema).sort(),
      );
    }
  });
});

describe('the review JSON Schema and the zod schema', () => {
  const validate = new Ajv().compile(JSON.parse(reviewJsonSchema()) as object);

  it('agree on a valid answer and on invalid ones', () => {
    const cases: unknown[] = [
      VALID,
      { ...VALID, extra: 1 },
      { ...VALID, verdict: 'maybe' },
      { ...VALID, findings: [{ ...VALID.findings[0], line: 0 }] },
      { ...VALID, findings: [{ ...VALID.findings[0], confidence: 1.5 }] },
    ];
    for (const answer of cases) {
      expect(validate(answer), JSON.stringify(answer)).toBe(parseReviewAnswer(JSON.stringify(answer)).ok);
    }
    expect(validate(VALID)).toBe(true);
  });

  it('leaves string lengths to zod: strict structured output of some providers refuses minLength', () => {
    const emptyFile = { ...VALID, findings: [{ ...VALID.findings[0], file: '' }] };
    expect(validate(emptyFile)).toBe(true);
    expect(parseReviewAnswer(JSON.stringify(emptyFile)).ok).toBe(false);
    expect(reviewJsonSchema()).not.toMatch(/minLength|\$schema|9007199254740991/);
  });
});
