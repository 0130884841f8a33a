/**
 * Issue sources by config `issues.source`. Each entry is loaded only when used, so a command on
 * local issues never loads an HTTP client.
 */
import type { IssueSource } from '../../contracts/issue-source.js';
import type { Config } from '../../infra/config-schema.js';

export interface IssueSourceDeps {
  repoRoot: string;
  env: Record<string, string | undefined>;
}

type IssuesConfig = Config['issues'];

export async function createIssueSource(config: IssuesConfig, deps: IssueSourceDeps): Promise<IssueSource> {
  switch (config.source) {
    case 'local': {
      const { localIssueSource } = await import('./local/index.js');
      return localIssueSource(deps.repoRoot, config.dir);
    }
    default: {
      const { InputError } = await import('../../domain/errors.js');
      throw new InputError(`issues.source "${config.source}" is not available in this build; accepted: local`);
    }
  }
}
