/**
 * Names derived from an issue: the lane, its branch, its worktree directory and its environment
 * values. Issue text is hostile input: whatever a title holds (`../`, quotes, `$()`, newlines,
 * emoji, 300 characters), what comes out is a valid git ref, a single path segment inside the
 * worktrees folder, and a value safe in an env file.
 */
import { createHash } from 'node:crypto';
import { InputError } from './errors.js';

export interface NameTemplates {
  /** Lane name, e.g. `{ref}` → `issue-123` / `eng-42`, or `{ref}-{slug}`. */
  lane: string;
  /** Branch name, e.g. `{lane}` or `lanes/{lane}`. */
  branch: string;
  /** Worktree directory, e.g. `{repoParent}/{repo}-worktrees/{lane}`. */
  worktree: string;
}

export const DEFAULT_TEMPLATES: NameTemplates = {
  lane: '{ref}',
  branch: '{lane}',
  worktree: '{repoParent}/{repo}-worktrees/{lane}',
};

export const MAX_LANE_NAME = 64;

/** `123` → `issue-123`; `ENG-42` → `eng-42`. */
export function issueRefName(issueId: string): string {
  const id = issueId.trim();
  return /^\d+$/.test(id) ? `issue-${id}` : slugify(id, 40) || `issue-${shortHash(id)}`;
}

/** Lower-case ASCII words joined by `-`, at most `max` characters, never empty unless input has no word. */
export function slugify(text: string, max = 40): string {
  const ascii = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const slug = ascii
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= max) return slug;
  return slug.slice(0, max).replace(/-+$/, '');
}

export function shortHash(text: string, length = 8): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

function fill(template: string, vars: Record<string, string>, what: string): string {
  return template.replace(/\{(\w+)\}/g, (_whole, key: string) => {
    const value = vars[key];
    if (value === undefined) {
      throw new InputError(
        `${what} template "${template}" uses unknown variable {${key}}; accepted: ${Object.keys(vars)
          .map((k) => `{${k}}`)
          .join(', ')}`,
      );
    }
    return value;
  });
}

/** The lane name for an issue: a safe, lower-case identifier usable as a ref component and a directory. */
export function laneName(issue: { id: string; title: string }, templates: NameTemplates = DEFAULT_TEMPLATES): string {
  const raw = fill(
    templates.lane,
    {
      ref: issueRefName(issue.id),
      id: slugify(issue.id, 40) || shortHash(issue.id),
      slug: slugify(issue.title, 40) || 'untitled',
    },
    'lane',
  );
  return sanitizeLaneName(raw);
}

/** Forces any string into the lane-name alphabet; long names keep a hash of the whole so they stay distinct. */
export function sanitizeLaneName(raw: string): string {
  let name = raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/-{2,}/g, '-');
  if (name.endsWith('.lock')) name = name.slice(0, -'.lock'.length);
  if (name === '') name = `lane-${shortHash(raw)}`;
  if (name.length > MAX_LANE_NAME) {
    name = `${name.slice(0, MAX_LANE_NAME - 9).replace(/[-.]+$/, '')}-${shortHash(raw)}`;
  }
  return name;
}

/** What `lanes` accepts where a user names an existing lane. */
export function isValidLaneName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_LANE_NAME && sanitizeLaneName(name) === name;
}

export function requireLaneName(name: string): string {
  if (!isValidLaneName(name)) {
    throw new InputError(
      `invalid lane name ${JSON.stringify(name)}: use lower-case letters, digits, '.', '_' and '-' (at most ${MAX_LANE_NAME} characters)`,
    );
  }
  return name;
}

/** The branch for a lane. Each `/`-separated part is sanitized, so the result is always a valid ref. */
export function branchName(lane: string, template: string = DEFAULT_TEMPLATES.branch): string {
  const raw = fill(template, { lane }, 'branch');
  const parts = raw
    .split('/')
    .map((p) => sanitizeLaneName(p))
    .filter(Boolean);
  return parts.length > 0 ? parts.join('/') : lane;
}

/**
 * The worktree directory for a lane. The template may place the folder anywhere, but the lane's
 * own segment is the sanitized lane name, so a title can never climb out of it.
 */
export function worktreePath(
  lane: string,
  repo: { root: string; name: string; parent: string },
  template: string = DEFAULT_TEMPLATES.worktree,
): string {
  return fill(template, { lane, repo: repo.name, repoParent: repo.parent, repoRoot: repo.root }, 'worktree');
}

/** A value safe inside a double-quoted dotenv value on one line. */
export function envValue(text: string): string {
  return text
    .replace(/[\r\n\t\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\$/g, '\\$')
    .replace(/`/g, '\\`');
}
