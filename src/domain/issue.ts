/** The one issue model every source yields. */
export interface Issue {
  /** The tracker's identifier as users type it: `123` locally or on GitHub, `ENG-42` on Linear/Jira. */
  id: string;
  /**
   * The tracker's full name for the issue where it says more than `id`: `owner/repo#123` on
   * GitHub, `ENG-42` on Linear and Jira, the number locally.
   */
  key?: string | undefined;
  title: string;
  /** Markdown. */
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  assignee?: string | undefined;
  acceptanceCriteria: string[];
  source: string;
  url: string;
}

/** The part of an issue stored with a lane and shown in `--json`. */
export interface IssueRef {
  id: string;
  title: string;
  source: string;
  url: string;
}

export function issueRef(issue: Issue): IssueRef {
  return { id: issue.id, title: issue.title, source: issue.source, url: issue.url };
}

/**
 * Acceptance criteria from the markdown body: the items of an "Acceptance criteria" section, or
 * else every checklist item (`- [ ] …`).
 */
export function acceptanceCriteriaFromMarkdown(body: string): string[] {
  const lines = body.split(/\r?\n/);
  const section: string[] = [];
  let inSection = false;
  let sectionLevel = 0;
  for (const line of lines) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      if (/acceptance criteria/i.test(heading[2]!)) {
        inSection = true;
        sectionLevel = level;
        continue;
      }
      if (inSection && level <= sectionLevel) inSection = false;
    }
    if (inSection) {
      const item = /^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(.*\S)\s*$/.exec(line);
      if (item) section.push(item[1]!);
    }
  }
  if (section.length > 0) return section;
  const checklist: string[] = [];
  for (const line of lines) {
    const item = /^\s*[-*+]\s+\[[ xX]\]\s+(.*\S)\s*$/.exec(line);
    if (item) checklist.push(item[1]!);
  }
  return checklist;
}
