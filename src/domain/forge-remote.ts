/**
 * The git remote `lanes pr` pushes a lane's branch to, from config `forge`: GitHub's `remote`
 * (origin by default), a local forge's `remote` only when one is set (a local review request needs
 * no push), and origin when nothing is configured (where a GitHub remote is looked for).
 */
export function forgeRemote(
  forge: { type: 'github' | 'local'; remote?: string | undefined } | undefined,
): string | undefined {
  if (!forge) return 'origin';
  if (forge.type === 'github') return forge.remote ?? 'origin';
  return forge.remote;
}
