/**
 * Jira's rich text as markdown, pure. Jira Cloud (REST v3) sends descriptions as Atlassian
 * Document Format (a JSON tree); Jira Data Center (REST v2) sends wiki markup. The agent prompt,
 * the spec audit and acceptance-criteria extraction all read markdown, so both become markdown
 * here. Unknown ADF nodes keep their text rather than vanish: a lost sentence of a spec is worse
 * than an ugly one.
 */

export interface AdfNode {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: { type: string; attrs?: Record<string, unknown> }[];
  content?: AdfNode[];
}

export function adfToMarkdown(doc: unknown): string {
  if (doc === null || doc === undefined) return '';
  if (typeof doc === 'string') return doc;
  if (typeof doc !== 'object' || !('type' in doc)) return '';
  return blocks((doc as AdfNode).content ?? [], '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** Block nodes separated by blank lines; `indent` prefixes every line (list nesting, quotes). */
function blocks(nodes: AdfNode[], indent: string): string {
  return nodes
    .map((n) => block(n, indent))
    .filter((s) => s !== '')
    .join('\n\n');
}

function block(node: AdfNode, indent: string): string {
  const children = node.content ?? [];
  switch (node.type) {
    case 'paragraph':
      return prefixLines(inline(children), indent);
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(node.attrs?.level) || 1));
      return `${indent}${'#'.repeat(level)} ${inline(children).replace(/\n/g, ' ')}`;
    }
    case 'bulletList':
      return list(children, indent, () => '- ');
    case 'orderedList': {
      const start = Number(node.attrs?.order) || 1;
      return list(children, indent, (i) => `${start + i}. `);
    }
    case 'taskList':
      return list(children, indent, (_i, item) => (item.attrs?.state === 'DONE' ? '- [x] ' : '- [ ] '));
    case 'decisionList':
      return list(children, indent, () => '- ');
    case 'codeBlock': {
      const text = children.map((c) => c.text ?? '').join('');
      const fence = text.includes('```') ? '~~~~' : '```';
      return prefixLines(`${fence}${str(node.attrs?.language)}\n${text}\n${fence}`, indent);
    }
    case 'blockquote':
    case 'panel':
      return prefixLines(blocks(children, ''), `${indent}> `);
    case 'rule':
      return `${indent}---`;
    case 'expand':
    case 'nestedExpand': {
      const title = str(node.attrs?.title);
      const body = blocks(children, indent);
      return title ? `${indent}**${title}**\n\n${body}` : body;
    }
    case 'table':
      return table(children, indent);
    case 'mediaSingle':
    case 'mediaGroup':
    case 'media':
      return `${indent}[attachment]`;
    case 'blockCard':
    case 'embedCard':
      return `${indent}${str(node.attrs?.url)}`;
    default:
      // Inline content at block level, or a node this module does not know: keep its text.
      if (node.text !== undefined || isInline(node.type)) return prefixLines(inline([node]), indent);
      return blocks(children, indent);
  }
}

function list(items: AdfNode[], indent: string, marker: (i: number, item: AdfNode) => string): string {
  return items
    .map((item, i) => {
      const m = marker(i, item);
      const pad = `${indent}${' '.repeat(m.length)}`;
      // A task item holds inline content directly; a list item holds paragraphs and nested lists.
      const parts = (item.content ?? []).map((c) => (isInline(c.type) ? inline([c]) : block(c, pad).slice(pad.length)));
      const [first = '', ...rest] = item.type === 'taskItem' || item.type === 'decisionItem' ? [parts.join('')] : parts;
      const head = `${indent}${m}${first.split('\n').join(`\n${pad}`)}`;
      return [head, ...rest.map((r) => `${pad}${r}`)].join('\n');
    })
    .join('\n');
}

function table(rows: AdfNode[], indent: string): string {
  const cells = rows.map((row) =>
    (row.content ?? []).map((cell) =>
      blocks(cell.content ?? [], '')
        .replace(/\n+/g, ' ')
        .replace(/\|/g, '\\|'),
    ),
  );
  if (cells.length === 0) return '';
  const width = Math.max(...cells.map((r) => r.length));
  const line = (r: string[]) => `${indent}| ${Array.from({ length: width }, (_, i) => r[i] ?? '').join(' | ')} |`;
  const [head, ...body] = cells;
  return [line(head!), `${indent}|${' --- |'.repeat(width)}`, ...body.map(line)].join('\n');
}

const INLINE = new Set([
  'text',
  'hardBreak',
  'mention',
  'emoji',
  'inlineCard',
  'status',
  'date',
  'placeholder',
  'inlineExtension',
  'mediaInline',
]);
function isInline(type: string): boolean {
  return INLINE.has(type);
}

function inline(nodes: AdfNode[]): string {
  return nodes.map(inlineNode).join('');
}

function inlineNode(node: AdfNode): string {
  switch (node.type) {
    case 'text':
      return marked(node.text ?? '', node.marks ?? []);
    case 'hardBreak':
      return '\n';
    case 'mention':
      return str(node.attrs?.text) || `@${str(node.attrs?.id)}`;
    case 'emoji':
      return str(node.attrs?.text) || str(node.attrs?.shortName);
    case 'inlineCard':
      return str(node.attrs?.url);
    case 'status':
      return `[${str(node.attrs?.text)}]`;
    case 'date': {
      const ms = Number(node.attrs?.timestamp);
      return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : '';
    }
    default:
      return node.text ?? inline(node.content ?? []);
  }
}

function marked(text: string, marks: NonNullable<AdfNode['marks']>): string {
  if (text === '') return '';
  let out = text;
  const code = marks.some((m) => m.type === 'code');
  if (code) out = text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
  for (const mark of marks) {
    if (mark.type === 'strong' && !code) out = `**${out}**`;
    else if (mark.type === 'em' && !code) out = `_${out}_`;
    else if (mark.type === 'strike' && !code) out = `~~${out}~~`;
  }
  const link = marks.find((m) => m.type === 'link');
  if (link) out = `[${out}](${str(link.attrs?.href)})`;
  return out;
}

function prefixLines(text: string, prefix: string): string {
  if (text === '' || prefix === '') return text;
  return text
    .split('\n')
    .map((l) => (l === '' ? prefix.trimEnd() : `${prefix}${l}`))
    .join('\n');
}

/**
 * Jira wiki markup (Data Center's REST v2) as markdown: headings, lists, code and quote blocks,
 * bold, italics, monospace and links. What is left over stays as written.
 */
export function wikiToMarkdown(text: string | null | undefined): string {
  if (!text) return '';
  const out: string[] = [];
  let inCode = false;
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    const fence = /^\s*\{(code|noformat)(?::([^}|]*))?[^}]*\}\s*$/.exec(raw);
    if (fence) {
      out.push(inCode ? '```' : `\`\`\`${fence[2]?.trim() ?? ''}`);
      inCode = !inCode;
      continue;
    }
    if (inCode) {
      out.push(raw);
      continue;
    }
    let line = raw;
    const heading = /^h([1-6])\.\s+(.*)$/.exec(line);
    if (heading) line = `${'#'.repeat(Number(heading[1]))} ${heading[2]}`;
    const listItem = /^([*#-]+)\s+(.*)$/.exec(line);
    if (listItem && !heading) {
      const depth = listItem[1]!.length - 1;
      const ordered = listItem[1]!.endsWith('#');
      line = `${'  '.repeat(depth)}${ordered ? '1.' : '-'} ${listItem[2]}`;
    }
    if (/^bq\.\s+/.test(line)) line = line.replace(/^bq\.\s+/, '> ');
    line = line
      .replace(/\{\{([^}]+)\}\}/g, '`$1`')
      .replace(/\[([^|\]]+)\|([^\]]+)\]/g, '[$1]($2)')
      .replace(/(^|[\s(])\*(\S(?:[^*]*\S)?)\*(?=[\s.,;:!?)]|$)/g, '$1**$2**')
      .replace(/(^|[\s(])_(\S(?:[^_]*\S)?)_(?=[\s.,;:!?)]|$)/g, '$1_$2_')
      .replace(/(^|[\s(])-(\S(?:[^-]*\S)?)-(?=[\s.,;:!?)]|$)/g, '$1~~$2~~');
    out.push(line);
  }
  if (inCode) out.push('```');
  return out.join('\n').trim();
}

/** A plain-text comment as an ADF document: a paragraph per blank-line-separated block, URLs as links. */
export function textToAdf(text: string): AdfNode & { version: 1 } {
  const paragraphs = text
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean);
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((p) => ({
      type: 'paragraph',
      content: p.split('\n').flatMap((line, i) => [...(i > 0 ? [{ type: 'hardBreak' }] : []), ...linkify(line)]),
    })),
  };
}

function linkify(line: string): AdfNode[] {
  const nodes: AdfNode[] = [];
  let last = 0;
  for (const m of line.matchAll(/https?:\/\/[^\s)]+/g)) {
    if (m.index > last) nodes.push({ type: 'text', text: line.slice(last, m.index) });
    nodes.push({ type: 'text', text: m[0], marks: [{ type: 'link', attrs: { href: m[0] } }] });
    last = m.index + m[0].length;
  }
  if (last < line.length) nodes.push({ type: 'text', text: line.slice(last) });
  return nodes;
}
