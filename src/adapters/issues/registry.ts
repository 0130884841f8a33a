/**
 * Issue sources by config `issues.source`. Each entry is loaded only when used, so a command on
 * local issues never loads an HTTP client.
 */
import type { IssueSource } from '../../contracts/issue-source.js';
import { InputError } from '../../domain/errors.js';
import { ISSUE_SOURCES, defaultIssuesConfig } from '../../infra/config-defaults.js';
import type { Config } from '../../infra/config-schema.js';
import type { TrackerRuntime } from './tracker-http.js';

export interface IssueSourceDeps {
  repoRoot: string;
  env: Record<string, string | undefined>;
  /** Rate-limit waits and similar notes for the user (stderr). */
  runtime?: TrackerRuntime;
}

type IssuesConfig = Config['issues'];

/**
 * The issues config a command uses: the configured one, or for a per-command `--source` of
 * another kind, that source with its defaults (settings then come from the environment or the
 * repository, e.g. JIRA_HOST or the origin remote).
 */
export function issuesConfigFor(config: IssuesConfig, override: string | undefined): IssuesConfig {
  if (override === undefined || override === config.source) return config;
  if (!(ISSUE_SOURCES as readonly string[]).includes(override)) {
    throw new InputError(`--source ${JSON.stringify(override)}: accepted: ${ISSUE_SOURCES.join(', ')}`);
  }
  // Hand-written defaults (held equal to the schema's by a test): zod stays unloaded without a config file.
  return defaultIssuesConfig(override as (typeof ISSUE_SOURCES)[number]);
}

export async function createIssueSource(config: IssuesConfig, deps: IssueSourceDeps): Promise<IssueSource> {
  const runtime = deps.runtime ?? {};
  switch (config.source) {
    case 'local': {
      const { localIssueSource } = await import('./local/index.js');
      return localIssueSource(deps.repoRoot, config.dir);
    }
    case 'github': {
      const { githubIssueSource } = await import('./github/index.js');
      const repo = config.repo ?? (await githubRepoFromEnvironment(deps));
      return githubIssueSource({ repo, baseUrl: config.baseUrl, env: deps.env, runtime });
    }
    case 'linear': {
      const { linearIssueSource } = await import('./linear/index.js');
      return linearIssueSource({ team: config.team, apiUrl: config.apiUrl, env: deps.env, runtime });
    }
    case 'jira': {
      const { jiraIssueSource } = await import('./jira/index.js');
      return jiraIssueSource({
        host: config.host,
        project: config.project,
        apiVersion: config.apiVersion,
        env: deps.env,
        runtime,
      });
    }
  }
}

async function githubRepoFromEnvironment(deps: IssueSourceDeps): Promise<string> {
  const { repoFromRemoteUrl } = await import('../../domain/issue-ref.js');
  const fromEnv = deps.env.GITHUB_REPOSITORY?.trim();
  if (fromEnv && /^[\w.-]+\/[\w.-]+$/.test(fromEnv)) return fromEnv;
  const { git } = await import('../../infra/git.js');
  const res = await git(deps.repoRoot, ['remote', 'get-url', 'origin'], { check: false });
  const repo = res.exitCode === 0 ? repoFromRemoteUrl(res.stdout) : undefined;
  if (repo) return repo;
  throw new InputError(
    'GitHub issues need a repository: set issues.repo ("owner/name") in lanes.config.json or GITHUB_REPOSITORY, or add an origin remote on GitHub',
  );
}
