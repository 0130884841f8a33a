/** The configured database branch provider for a command, built once per context. */
import type { DbBranches } from '../contracts/db-branches.js';
import type { Context } from './context.js';

const cache = new WeakMap<Context, Promise<DbBranches | undefined>>();

export function loadDbBranches(ctx: Context): Promise<DbBranches | undefined> {
  let found = cache.get(ctx);
  if (!found) {
    found = Promise.all([ctx.repo(), ctx.config(), import('../adapters/db/registry.js')]).then(([repo, config, reg]) =>
      reg.createDbBranches(config.database, { repoRoot: repo.mainRoot, env: ctx.env }),
    );
    cache.set(ctx, found);
  }
  return found;
}
