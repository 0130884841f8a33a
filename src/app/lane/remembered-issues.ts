/**
 * A context whose issue sources remember every issue they fetched. `lanes run` needs each issue
 * several times (to name its lane, to create the lane, for every phase's prompt); over the network
 * that was one request each time, and a tracker's rate limit counts them all. Within one run the
 * issue is fetched once and the same answer is used throughout.
 */
import type { IssueSource } from '../../contracts/issue-source.js';
import type { Issue } from '../../domain/issue.js';
import type { Context } from '../context.js';

export function withRememberedIssues(ctx: Context): Context {
  const sources = new Map<string, Promise<IssueSource>>();
  return {
    ...ctx,
    issueSource(override?: string) {
      const key = override ?? '';
      let source = sources.get(key);
      if (!source) {
        source = ctx.issueSource(override).then(remembering);
        sources.set(key, source);
      }
      return source;
    },
  };
}

function remembering(source: IssueSource): IssueSource {
  const fetched = new Map<string, Promise<Issue>>();
  return {
    name: source.name,
    getIssue(ref, signal) {
      const known = fetched.get(ref);
      if (known) return known;
      const pending = source.getIssue(ref, signal);
      fetched.set(ref, pending);
      // A lane keeps the issue's id, not the reference the user typed (`#12`, a URL): later
      // look-ups by id find the same fetch. (A failure reaches the caller through `pending`.)
      pending.then(
        (found) => void (fetched.has(found.id) || fetched.set(found.id, pending)),
        () => undefined,
      );
      return pending;
    },
    listIssues: (filter, signal) => source.listIssues(filter, signal),
    ...(source.addIssue ? { addIssue: source.addIssue.bind(source) } : {}),
    ...(source.comment ? { comment: source.comment.bind(source) } : {}),
    ...(source.moveIssue ? { moveIssue: source.moveIssue.bind(source) } : {}),
  };
}
