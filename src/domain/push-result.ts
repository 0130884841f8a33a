/**
 * What `git push --porcelain` said about each ref: one line `<flag>\t<from>:<to>\t<summary>` per
 * ref, where the flag is ' ' (fast-forward), '+' (forced), '-' (deleted), '*' (new), '!' (rejected)
 * or '=' (up to date). The summary of a rejection says why: `[rejected] (non-fast-forward)`,
 * `[rejected] (fetch first)`, `[remote rejected] (pre-receive hook declined)` …
 */

export type PushStatus = 'new' | 'updated' | 'forced' | 'deleted' | 'up-to-date' | 'rejected';

export interface PushedRef {
  status: PushStatus;
  from: string;
  to: string;
  summary: string;
}

const FLAGS: Record<string, PushStatus> = {
  ' ': 'updated',
  '+': 'forced',
  '-': 'deleted',
  '*': 'new',
  '!': 'rejected',
  '=': 'up-to-date',
};

export function parsePushPorcelain(stdout: string): PushedRef[] {
  const refs: PushedRef[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^([ +\-*!=])\t([^\t:]*):([^\t]*)\t(.*)$/.exec(line);
    if (m) refs.push({ status: FLAGS[m[1]!]!, from: m[2]!, to: m[3]!, summary: m[4]!.trim() });
  }
  return refs;
}

/** A rejection because the remote has commits the pushed branch lacks (the remedy: integrate them, never force). */
export function isBehindRemote(ref: PushedRef): boolean {
  return ref.status === 'rejected' && /non-fast-forward|fetch first|stale info/i.test(ref.summary);
}
