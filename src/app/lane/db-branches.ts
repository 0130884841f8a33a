/** The configured database branch provider for a command: the Context builds it once. */
import type { DbBranches } from '../../contracts/db-branches.js';
import type { Context } from '../context.js';

export function loadDbBranches(ctx: Context): Promise<DbBranches | undefined> {
  return ctx.dbBranches();
}
