/**
 * Issue references as users paste them: `123`, `#123`, `owner/repo#123`, a GitHub issue URL,
 * `ENG-42` (a Linear or Jira key), a Linear issue URL, a Jira browse URL. Parsing is pure and
 * says only what the text names; each source then checks that the reference belongs to the
 * tracker, repository, team or project it is configured for (an issue of another repository is a
 * lane in the wrong repository, so it is refused rather than guessed).
 */
import { InputError } from './errors.js';

export type ParsedIssueRef =
  /** `123` or `#123`: a number in whatever tracker is configured. */
  | { kind: 'number'; number: number }
  /** `owner/repo#123` or `https://github.com/owner/repo/issues/123`. */
  | { kind: 'github'; owner: string; repo: string; number: number; host?: string | undefined }
  /** `ENG-42`: a Linear or Jira key; `prefix` is the team key or project key, upper-case. */
  | {
      kind: 'key';
      key: string;
      prefix: string;
      number: number;
      host?: string | undefined;
      tracker?: 'linear' | 'jira' | undefined;
    };

const ACCEPTED = '123, #123, owner/repo#123, a GitHub issue URL, ENG-42, a Linear or Jira issue URL';

// Jira project keys start with a letter and hold letters, digits and `_`; Linear team keys are
// letters and digits. Lower-case is accepted because people type `eng-42` from branch names.
const KEY = /^([A-Za-z][A-Za-z0-9_]{0,29})-(\d{1,12})$/;

export function parseIssueRef(input: string): ParsedIssueRef {
  const text = input.trim();
  const number = /^#?(\d{1,12})$/.exec(text);
  if (number) return { kind: 'number', number: Number(number[1]) };
  const short = /^([\w.-]+)\/([\w.-]+)#(\d{1,12})$/.exec(text);
  if (short) return { kind: 'github', owner: short[1]!, repo: short[2]!, number: Number(short[3]) };
  const key = KEY.exec(text);
  if (key) return keyRef(key[1]!, key[2]!);
  if (/^https?:\/\//i.test(text)) return parseIssueUrl(input, text);
  throw invalid(input);
}

function keyRef(
  prefix: string,
  number: string,
  extra: { host?: string; tracker?: 'linear' | 'jira' } = {},
): ParsedIssueRef {
  const upper = prefix.toUpperCase();
  return { kind: 'key', key: `${upper}-${Number(number)}`, prefix: upper, number: Number(number), ...extra };
}

function parseIssueUrl(input: string, text: string): ParsedIssueRef {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(input);
  }
  const host = url.host.toLowerCase();
  const parts = url.pathname
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponent(p));
  // Jira: …/browse/PROJ-42 (Cloud and Data Center, possibly under a context path), or a board
  // URL that names the issue in ?selectedIssue=PROJ-42.
  const browse = parts.indexOf('browse');
  if (browse >= 0 && parts[browse + 1]) {
    const key = KEY.exec(parts[browse + 1]!);
    if (key) return keyRef(key[1]!, key[2]!, { host, tracker: 'jira' });
  }
  const selected = url.searchParams.get('selectedIssue');
  if (selected) {
    const key = KEY.exec(selected);
    if (key) return keyRef(key[1]!, key[2]!, { host, tracker: 'jira' });
  }
  // Linear: https://linear.app/<workspace>/issue/ENG-42/optional-slug
  if (host === 'linear.app' || host.endsWith('.linear.app')) {
    const at = parts.indexOf('issue');
    const key = at >= 0 && parts[at + 1] ? KEY.exec(parts[at + 1]!) : null;
    if (key) return keyRef(key[1]!, key[2]!, { host, tracker: 'linear' });
    throw new InputError(
      `invalid issue reference ${JSON.stringify(input)}: a Linear URL names an issue as https://linear.app/<workspace>/issue/ENG-42`,
    );
  }
  // GitHub and GitHub Enterprise: https://<host>/<owner>/<repo>/issues/<n>
  if (parts.length >= 4 && (parts[2] === 'issues' || parts[2] === 'pull' || parts[2] === 'pulls')) {
    if (parts[2] !== 'issues') {
      throw new InputError(
        `invalid issue reference ${JSON.stringify(input)}: it is a pull request; lanes works from issues (https://${host}/${parts[0]}/${parts[1]}/issues/<n>)`,
      );
    }
    if (/^\d{1,12}$/.test(parts[3]!))
      return { kind: 'github', owner: parts[0]!, repo: parts[1]!, number: Number(parts[3]), host };
  }
  throw invalid(input);
}

function invalid(input: string): InputError {
  return new InputError(`invalid issue reference ${JSON.stringify(input)}: accepted: ${ACCEPTED}`);
}

/**
 * The issue number a GitHub reference names in `owner/repo`. A reference to another repository
 * (or another GitHub host) is refused: the lane would be made in the wrong repository.
 */
export function githubIssueNumber(input: string, target: { owner: string; repo: string; webHost: string }): number {
  const ref = parseIssueRef(input);
  const configured = `${target.owner}/${target.repo}`;
  if (ref.kind === 'number') return ref.number;
  if (ref.kind === 'key') {
    throw new InputError(
      `invalid issue reference ${JSON.stringify(input)}: ${configured} is on GitHub, whose issues are numbers (123, #123, ${configured}#123 or an issue URL)`,
    );
  }
  const same =
    ref.owner.toLowerCase() === target.owner.toLowerCase() && ref.repo.toLowerCase() === target.repo.toLowerCase();
  if (!same || (ref.host !== undefined && ref.host !== target.webHost.toLowerCase())) {
    const named = `${ref.host && ref.host !== target.webHost.toLowerCase() ? `${ref.host}/` : ''}${ref.owner}/${ref.repo}`;
    throw new InputError(
      `issue ${JSON.stringify(input)} belongs to ${named}, not to the configured repository ${configured}`,
      {
        hint: 'run lanes in a clone of that repository, or change issues.repo in lanes.config.json',
      },
    );
  }
  return ref.number;
}

/**
 * The key (`ENG-42`) a reference names in a Linear team or Jira project. A bare number takes the
 * configured prefix; a key or URL of another team, project or tracker host is refused.
 */
export function trackerIssueKey(
  input: string,
  target: { tracker: 'linear' | 'jira'; prefix?: string | undefined; webHost?: string | undefined },
): string {
  const ref = parseIssueRef(input);
  const name = target.tracker === 'linear' ? 'Linear' : 'Jira';
  const scope = target.tracker === 'linear' ? 'team' : 'project';
  const prefix = target.prefix?.toUpperCase();
  if (ref.kind === 'number') {
    if (!prefix)
      throw new InputError(
        `invalid issue reference ${JSON.stringify(input)}: ${name} issues are keys like ENG-42 (a bare number needs issues.${target.tracker === 'linear' ? 'team' : 'project'} in lanes.config.json)`,
      );
    return `${prefix}-${ref.number}`;
  }
  if (ref.kind === 'github') {
    throw new InputError(
      `issue ${JSON.stringify(input)} is a GitHub issue, but the configured source is ${name}; accepted: ${prefix ?? 'ENG'}-42, 42 or a ${name} URL`,
    );
  }
  if (ref.tracker && ref.tracker !== target.tracker) {
    throw new InputError(
      `issue ${JSON.stringify(input)} is a ${ref.tracker === 'linear' ? 'Linear' : 'Jira'} URL, but the configured source is ${name}`,
    );
  }
  if (ref.tracker === 'jira' && target.webHost && ref.host !== target.webHost.toLowerCase()) {
    throw new InputError(
      `issue ${JSON.stringify(input)} is on ${ref.host}, not on the configured Jira ${target.webHost}`,
    );
  }
  if (prefix && ref.prefix !== prefix) {
    throw new InputError(
      `issue ${JSON.stringify(input)} belongs to ${name} ${scope} ${ref.prefix}, not to the configured ${scope} ${prefix}`,
      {
        hint: `change issues.${target.tracker === 'linear' ? 'team' : 'project'} in lanes.config.json, or pass an issue of ${prefix}`,
      },
    );
  }
  return ref.key;
}

/**
 * `owner/name` from a git remote URL (`git@github.com:o/r.git`, `https://github.com/o/r`,
 * `ssh://git@ghe.example.com/o/r.git`), or undefined when the URL names no such pair.
 */
export function repoFromRemoteUrl(remote: string): string | undefined {
  const text = remote.trim();
  const scp = /^[\w.-]+@[\w.-]+:([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(text);
  if (scp) return `${scp[1]}/${scp[2]}`;
  try {
    const url = new URL(text);
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts.length !== 2 || url.protocol === 'file:') return undefined;
    const repo = parts[1]!.replace(/\.git$/, '');
    return /^[\w.-]+$/.test(parts[0]!) && /^[\w.-]+$/.test(repo) ? `${parts[0]}/${repo}` : undefined;
  } catch {
    return undefined;
  }
}
