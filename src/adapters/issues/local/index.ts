/**
 * Local issues: one markdown file per issue in a folder (default `issues/`), named `<id>.md` or
 * `<id>-<slug>.md`. Title from front matter or the first `# ` heading; labels, state and
 * acceptance criteria from front matter (criteria also from the body's checklist or
 * "Acceptance criteria" section).
 */
import { mkdirSync, openSync, closeSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../../../domain/errors.js';
import { acceptanceCriteriaFromMarkdown, type Issue } from '../../../domain/issue.js';
import { slugify } from '../../../domain/naming.js';
import type { IssueFilter, IssueSource, NewIssue } from '../../../contracts/issue-source.js';
import { loadYaml, parseFrontMatter } from './front-matter.js';

const FILE_NAME = /^(\d+)(?:-[^/]*)?\.md$/;

export function localIssueSource(repoRoot: string, dir: string): IssueSource {
  const folder = resolve(repoRoot, dir);

  function files(): Map<string, string> {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw err;
    }
    const byId = new Map<string, string>();
    for (const name of names.sort()) {
      const m = FILE_NAME.exec(name);
      if (m && !byId.has(String(Number(m[1])))) byId.set(String(Number(m[1])), name);
    }
    return byId;
  }

  function load(id: string, file: string): Promise<Issue> {
    const path = join(folder, file);
    return parseIssueFile(id, readFileSync(path, 'utf8'), pathToFileURL(path).href);
  }

  return {
    name: 'local',
    async getIssue(ref) {
      const id = parseLocalRef(ref);
      const file = files().get(id);
      if (!file)
        throw new InputError(`unknown issue ${JSON.stringify(ref)}: no file ${id}.md or ${id}-*.md in ${dir}/`, {
          hint: 'lanes issues lists the issues; lanes issue add <title> creates one',
        });
      return load(id, file);
    },
    async listIssues(filter: IssueFilter) {
      const issues = (await Promise.all([...files()].map(([id, file]) => load(id, file)))).sort(
        (a, b) => Number(a.id) - Number(b.id),
      );
      return applyFilter(issues, filter);
    },
    async addIssue(issue: NewIssue) {
      mkdirSync(folder, { recursive: true });
      const text = await renderIssueFile(issue);
      // O_EXCL create: two concurrent `issue add` never take the same number.
      for (let attempt = 0; attempt < 100; attempt++) {
        const ids = [...files().keys()].map(Number);
        const id = String((ids.length ? Math.max(...ids) : 0) + 1 + attempt);
        const slug = slugify(issue.title, 40);
        const file = slug ? `${id}-${slug}.md` : `${id}.md`;
        let fd: number;
        try {
          fd = openSync(join(folder, file), 'wx');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw err;
        }
        try {
          writeSync(fd, text);
        } finally {
          closeSync(fd);
        }
        return load(id, file);
      }
      throw new InputError(`could not allocate an issue number in ${dir}/`);
    },
  };
}

/** `123` or `#123`; anything else is not a local issue reference. */
export function parseLocalRef(ref: string): string {
  const m = /^#?(\d{1,12})$/.exec(ref.trim());
  if (!m)
    throw new InputError(`invalid issue reference ${JSON.stringify(ref)}: local issues are numbers like 123 or #123`);
  return String(Number(m[1]));
}

export async function parseIssueFile(id: string, text: string, url: string): Promise<Issue> {
  let front: Record<string, unknown> = {};
  let body = text;
  const fm = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (fm) {
    try {
      front = await parseFrontMatter(fm[1]!);
    } catch (err) {
      throw new InputError(`issue ${id}: front matter is not valid YAML (${(err as Error).message.split('\n')[0]})`);
    }
    body = text.slice(fm[0].length);
  }
  let title = typeof front.title === 'string' ? front.title : undefined;
  if (title === undefined) {
    const heading = /^#\s+(.+)$/m.exec(body);
    if (heading) {
      title = heading[1]!.trim();
      body = body.replace(heading[0], '').replace(/^\s*\n/, '');
    }
  }
  const labels = toStringList(front.labels ?? front.label);
  const criteria = toStringList(front.acceptance ?? front.acceptanceCriteria ?? front.acceptance_criteria);
  const state = front.state === 'closed' ? 'closed' : 'open';
  return {
    id,
    key: id,
    title: title ?? `Issue ${id}`,
    body: body.trim(),
    labels,
    state,
    assignee: typeof front.assignee === 'string' ? front.assignee : undefined,
    acceptanceCriteria: criteria.length > 0 ? criteria : acceptanceCriteriaFromMarkdown(body),
    source: 'local',
    url,
  };
}

export async function renderIssueFile(issue: NewIssue): Promise<string> {
  const { stringify: stringifyYaml } = await loadYaml();
  const front: Record<string, unknown> = { title: issue.title };
  if (issue.labels.length > 0) front.labels = issue.labels;
  const body = issue.body.trim();
  return `---\n${stringifyYaml(front).trimEnd()}\n---\n${body ? `\n${body}\n` : ''}`;
}

function toStringList(value: unknown): string[] {
  if (Array.isArray(value))
    return value
      .map(String)
      .map((s) => s.trim())
      .filter(Boolean);
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return [];
}

export function applyFilter(issues: Issue[], filter: IssueFilter): Issue[] {
  const state = filter.state ?? 'open';
  const search = filter.search?.toLowerCase();
  const out = issues.filter(
    (i) =>
      (state === 'all' || i.state === state) &&
      (!filter.label || i.labels.includes(filter.label)) &&
      (!filter.assignee || i.assignee === filter.assignee) &&
      (!search || i.title.toLowerCase().includes(search) || i.body.toLowerCase().includes(search)),
  );
  return filter.limit === undefined ? out : out.slice(0, filter.limit);
}
