import { describe, expect, it } from 'vitest';
import { acceptanceCriteriaFromMarkdown } from '../../../domain/issue.js';
import { adfToMarkdown, textToAdf, wikiToMarkdown } from './rich-text.js';

const t = (text: string, marks?: { type: string; attrs?: Record<string, unknown> }[]) => ({
  type: 'text',
  text,
  ...(marks ? { marks } : {}),
});
const p = (...content: unknown[]) => ({ type: 'paragraph', content });
const doc = (...content: unknown[]) => ({ type: 'doc', version: 1, content });

describe('adfToMarkdown', () => {
  it('returns empty text for a missing description', () => {
    expect(adfToMarkdown(null)).toBe('');
    expect(adfToMarkdown(undefined)).toBe('');
    expect(adfToMarkdown(doc())).toBe('');
  });

  it('renders paragraphs, headings and inline marks', () => {
    const md = adfToMarkdown(
      doc(
        { type: 'heading', attrs: { level: 2 }, content: [t('Context')] },
        p(
          t('Users '),
          t('cannot', [{ type: 'strong' }]),
          t(' log in with '),
          t('SSO', [{ type: 'em' }]),
          t('; see '),
          t('docs', [{ type: 'link', attrs: { href: 'https://x.example/d' } }]),
          t('.'),
        ),
        p(
          t('run '),
          t('npm test', [{ type: 'code' }]),
          { type: 'hardBreak' },
          t('then '),
          t('old', [{ type: 'strike' }]),
        ),
      ),
    );
    expect(md).toBe(
      '## Context\n\nUsers **cannot** log in with _SSO_; see [docs](https://x.example/d).\n\nrun `npm test`\nthen ~~old~~',
    );
  });

  it('renders nested bullet and ordered lists', () => {
    const md = adfToMarkdown(
      doc({
        type: 'bulletList',
        content: [
          {
            type: 'listItem',
            content: [
              p(t('one')),
              {
                type: 'orderedList',
                attrs: { order: 3 },
                content: [
                  { type: 'listItem', content: [p(t('three'))] },
                  { type: 'listItem', content: [p(t('four'))] },
                ],
              },
            ],
          },
          { type: 'listItem', content: [p(t('two'))] },
        ],
      }),
    );
    expect(md).toBe('- one\n  3. three\n  4. four\n- two');
  });

  it('renders task lists as checklists so acceptance criteria are found', () => {
    const md = adfToMarkdown(
      doc(
        { type: 'heading', attrs: { level: 3 }, content: [t('Acceptance criteria')] },
        {
          type: 'taskList',
          attrs: { localId: 'a' },
          content: [
            { type: 'taskItem', attrs: { localId: 'b', state: 'TODO' }, content: [t('Login works with SSO')] },
            { type: 'taskItem', attrs: { localId: 'c', state: 'DONE' }, content: [t('Errors are shown')] },
          ],
        },
      ),
    );
    expect(md).toBe('### Acceptance criteria\n\n- [ ] Login works with SSO\n- [x] Errors are shown');
    expect(acceptanceCriteriaFromMarkdown(md)).toEqual(['Login works with SSO', 'Errors are shown']);
  });

  it('renders code blocks, quotes, panels, rules and tables', () => {
    const md = adfToMarkdown(
      doc(
        { type: 'codeBlock', attrs: { language: 'ts' }, content: [t('const a = 1;\nconst b = 2;')] },
        { type: 'blockquote', content: [p(t('quoted'))] },
        { type: 'panel', attrs: { panelType: 'info' }, content: [p(t('note'))] },
        { type: 'rule' },
        {
          type: 'table',
          content: [
            {
              type: 'tableRow',
              content: [
                { type: 'tableHeader', content: [p(t('a'))] },
                { type: 'tableHeader', content: [p(t('b'))] },
              ],
            },
            {
              type: 'tableRow',
              content: [
                { type: 'tableCell', content: [p(t('1|2'))] },
                { type: 'tableCell', content: [p(t('3'))] },
              ],
            },
          ],
        },
      ),
    );
    expect(md).toBe(
      '```ts\nconst a = 1;\nconst b = 2;\n```\n\n> quoted\n\n> note\n\n---\n\n| a | b |\n| --- | --- |\n| 1\\|2 | 3 |',
    );
  });

  it('keeps the text of mentions, emoji, cards, statuses, dates and unknown nodes', () => {
    const md = adfToMarkdown(
      doc(
        p(
          { type: 'mention', attrs: { id: 'u1', text: '@Ada' } },
          t(' '),
          { type: 'emoji', attrs: { shortName: ':smile:', text: '😄' } },
          t(' '),
          { type: 'inlineCard', attrs: { url: 'https://x.example/i' } },
          t(' '),
          { type: 'status', attrs: { text: 'BLOCKED' } },
          t(' '),
          { type: 'date', attrs: { timestamp: '1700000000000' } },
        ),
        { type: 'someFutureNode', content: [p(t('still here'))] },
        { type: 'mediaSingle', content: [{ type: 'media', attrs: { id: 'm' } }] },
      ),
    );
    expect(md).toBe('@Ada 😄 https://x.example/i [BLOCKED] 2023-11-14\n\nstill here\n\n[attachment]');
  });

  it('survives hostile shapes without throwing', () => {
    expect(adfToMarkdown({ type: 'doc' })).toBe('');
    expect(
      adfToMarkdown({
        type: 'doc',
        content: [{ type: 'paragraph' }, { type: 'bulletList', content: [{ type: 'listItem' }] }],
      }),
    ).toBe('-');
    expect(adfToMarkdown(42)).toBe('');
    expect(adfToMarkdown('plain text')).toBe('plain text');
  });
});

describe('wikiToMarkdown', () => {
  it('converts headings, lists, code, quotes and inline markup', () => {
    const wiki =
      'h2. Acceptance criteria\n* Login works\n** nested\n# first\nbq. quoted\n{code:java}\nint *a* = 1;\n{code}\nSee [the docs|https://x.example] and {{npm test}}, *bold* _it_.';
    expect(wikiToMarkdown(wiki)).toBe(
      '## Acceptance criteria\n- Login works\n  - nested\n1. first\n> quoted\n```java\nint *a* = 1;\n```\nSee [the docs](https://x.example) and `npm test`, **bold** _it_.',
    );
    expect(acceptanceCriteriaFromMarkdown(wikiToMarkdown(wiki))).toEqual(['Login works', 'nested', 'first']);
  });

  it('returns empty text for no description', () => {
    expect(wikiToMarkdown(null)).toBe('');
  });
});

describe('textToAdf', () => {
  it('makes paragraphs, hard breaks and links', () => {
    expect(textToAdf('lanes started\nlane issue-1\n\nPR: https://x.example/pr/1')).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [t('lanes started'), { type: 'hardBreak' }, t('lane issue-1')] },
        {
          type: 'paragraph',
          content: [
            t('PR: '),
            t('https://x.example/pr/1', [{ type: 'link', attrs: { href: 'https://x.example/pr/1' } }]),
          ],
        },
      ],
    });
  });
});
