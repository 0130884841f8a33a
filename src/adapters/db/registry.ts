/**
 * Database branch providers by config `database.provider`. Each is loaded only when used, so a
 * repository on SQLite never loads the Neon SDK or pg.
 */
import type { DbBranches } from '../../contracts/db-branches.js';
import { InputError } from '../../domain/errors.js';
import type { Config } from '../../infra/config-schema.js';

export interface DbBranchesDeps {
  repoRoot: string;
  env: Record<string, string | undefined>;
}

export async function createDbBranches(
  config: Config['database'],
  deps: DbBranchesDeps,
): Promise<DbBranches | undefined> {
  switch (config.provider) {
    case 'none':
      return undefined;
    case 'sqlite': {
      const { sqliteBranches } = await import('./sqlite/index.js');
      return sqliteBranches({ repoRoot: deps.repoRoot, path: config.path });
    }
    case 'postgres': {
      const url = config.url ?? deps.env.DATABASE_URL;
      if (!url)
        throw new InputError(
          'database.url is not set and DATABASE_URL is empty; accepted: a server URL such as postgres://user@localhost:5432/postgres in either',
        );
      const { postgresBranches } = await import('./postgres/index.js');
      return postgresBranches({
        repoRoot: deps.repoRoot,
        url,
        template: config.template,
        terminateConnections: config.terminateConnections,
        strategy: config.strategy,
      });
    }
    case 'neon': {
      const { neonBranches } = await import('./neon/index.js');
      return neonBranches({
        repoRoot: deps.repoRoot,
        projectId: config.projectId,
        parentBranch: config.parentBranch,
        database: config.database,
        role: config.role,
        apiUrl: config.apiUrl,
        apiKey: deps.env.NEON_API_KEY,
      });
    }
  }
}
