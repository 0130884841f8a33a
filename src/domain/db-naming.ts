/**
 * Names of lanes' database branches. A lane name is already restricted, but these names end up as
 * SQL identifiers and API values, so they are derived again here from scratch: a prefix that says
 * which repository owns the branch (a hash of its path, so two clones sharing one server never
 * collide, and `lanes doctor` can list only its own), then the lane name in a conservative
 * alphabet, kept within the provider's byte limit with a hash of the whole when it is cut.
 */
import { shortHash } from './naming.js';

/** PostgreSQL silently truncates identifiers beyond 63 bytes (NAMEDATALEN - 1). */
export const POSTGRES_MAX_IDENTIFIER_BYTES = 63;

/** `lanes_<hash of the repository path>_`: every database branch of this repository starts with it. */
export function dbOwnerPrefix(repoRoot: string): string {
  return `lanes_${shortHash(repoRoot, 6)}_`;
}

export function dbBranchName(repoRoot: string, lane: string, maxBytes = POSTGRES_MAX_IDENTIFIER_BYTES): string {
  const prefix = dbOwnerPrefix(repoRoot);
  let body = lane
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  // Distinct lanes must keep distinct names: when the mapping lost information ('a-b' vs 'a_b'), the hash keeps them
  // apart.
  const lossy = body !== lane;
  if (body === '') body = 'lane';
  let name = lossy ? `${prefix}${body}_${shortHash(lane, 6)}` : `${prefix}${body}`;
  if (Buffer.byteLength(name) > maxBytes) {
    const suffix = `_${shortHash(lane, 8)}`;
    name = `${prefix}${body.slice(0, Math.max(1, maxBytes - prefix.length - suffix.length))}${suffix}`;
  }
  return name;
}
