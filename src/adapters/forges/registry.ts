/**
 * The forge a repository's pull requests go to. Config `forge` decides when it is set; otherwise
 * GitHub when the issues come from GitHub (its repo and baseUrl), else GitHub when the push remote
 * is on github.com (the repository named by its URL), else none: lanes keeps local review requests.
 * The GitHub client is loaded only when a forge is made.
 */
import type { ForgeRequest } from '../../contracts/adapters.js';
import type { Forge } from '../../contracts/forge.js';
import { InputError } from '../../domain/errors.js';
import { repoFromRemoteUrl } from '../../domain/issue-ref.js';

export type ForgeChoice = { type: 'github'; repo: string; baseUrl: string | undefined } | { type: 'local' };

const REPO = /^[\w.-]+\/[\w.-]+$/;

/** The host of a remote URL (https://, ssh://, or scp-like git@host:path); undefined for a path. */
export function remoteHost(url: string): string | undefined {
  const text = url.trim();
  const scp = /^(?:[\w.-]+@)?([\w.-]+):(?!\/\/)/.exec(text);
  if (scp && !/^[a-z][\w+.-]*:\/\//i.test(text)) return scp[1]!.toLowerCase();
  try {
    const parsed = new URL(text);
    return parsed.protocol === 'file:' ? undefined : parsed.hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** Which forge, from the config, the environment and the push remote's URL (pure: no I/O). */
export function chooseForge(
  config: ForgeRequest['config'],
  remoteUrl: string | undefined,
  env: Record<string, string | undefined>,
): ForgeChoice {
  const issues = config.issues.source === 'github' ? config.issues : undefined;
  const fromEnv = env.GITHUB_REPOSITORY?.trim();
  const envRepo = fromEnv && REPO.test(fromEnv) ? fromEnv : undefined;
  const remoteRepo = remoteUrl ? repoFromRemoteUrl(remoteUrl) : undefined;
  const forge = config.forge;
  if (forge?.type === 'local') return { type: 'local' };
  if (forge?.type === 'github') {
    const repo = forge.repo ?? issues?.repo ?? envRepo ?? remoteRepo;
    if (!repo)
      throw new InputError(
        `forge.type "github" needs a repository: set forge.repo ("owner/name") in lanes.config.json or GITHUB_REPOSITORY, or give the remote ${JSON.stringify(forge.remote)} a GitHub URL`,
      );
    return { type: 'github', repo, baseUrl: forge.baseUrl ?? issues?.baseUrl };
  }
  if (issues) {
    const repo = issues.repo ?? envRepo ?? remoteRepo;
    if (!repo)
      throw new InputError(
        'pull requests go to GitHub (issues.source is github), which needs a repository: set issues.repo or forge.repo ("owner/name") in lanes.config.json, or GITHUB_REPOSITORY',
      );
    return { type: 'github', repo, baseUrl: issues.baseUrl };
  }
  if (remoteUrl && remoteRepo && remoteHost(remoteUrl) === 'github.com')
    return { type: 'github', repo: remoteRepo, baseUrl: undefined };
  return { type: 'local' };
}

export async function createForge(request: ForgeRequest): Promise<Forge | undefined> {
  const choice = chooseForge(request.config, request.remoteUrl, request.env);
  if (choice.type === 'local') return undefined;
  const { githubForge } = await import('./github/index.js');
  return githubForge({
    repo: choice.repo,
    baseUrl: choice.baseUrl,
    env: request.env,
    runtime: { onWait: request.onWait },
  });
}
