import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../infra/config-schema.js';
import { chooseForge, remoteHost } from './registry.js';

const config = (c: Record<string, unknown>) => ConfigSchema.parse(c);

describe('forge choice', () => {
  it('follows config forge first', () => {
    expect(chooseForge(config({ forge: { type: 'local' } }), 'git@github.com:octo/app.git', {})).toEqual({
      type: 'local',
    });
    expect(
      chooseForge(
        config({ forge: { type: 'github', repo: 'octo/app', baseUrl: 'https://ghe.test/api/v3' } }),
        undefined,
        {},
      ),
    ).toEqual({ type: 'github', repo: 'octo/app', baseUrl: 'https://ghe.test/api/v3' });
    // A GitHub forge takes its repository from the remote of any host (GitHub Enterprise).
    expect(chooseForge(config({ forge: { type: 'github' } }), 'https://ghe.test/team/app.git', {})).toEqual({
      type: 'github',
      repo: 'team/app',
      baseUrl: undefined,
    });
  });

  it('uses the GitHub issue source (its repo and baseUrl) when forge is not set', () => {
    const c = config({ issues: { source: 'github', repo: 'octo/issues', baseUrl: 'http://127.0.0.1:9/api' } });
    expect(chooseForge(c, '/srv/git/app.git', {})).toEqual({
      type: 'github',
      repo: 'octo/issues',
      baseUrl: 'http://127.0.0.1:9/api',
    });
    expect(chooseForge(config({ issues: { source: 'github' } }), undefined, { GITHUB_REPOSITORY: 'a/b' })).toEqual({
      type: 'github',
      repo: 'a/b',
      baseUrl: undefined,
    });
  });

  it('uses GitHub for a github.com remote, and local review requests otherwise', () => {
    expect(chooseForge(config({}), 'git@github.com:octo/app.git', {})).toEqual({
      type: 'github',
      repo: 'octo/app',
      baseUrl: undefined,
    });
    expect(chooseForge(config({}), 'https://github.com/octo/app', {})).toMatchObject({ repo: 'octo/app' });
    expect(chooseForge(config({}), 'https://gitlab.com/octo/app.git', {})).toEqual({ type: 'local' });
    expect(chooseForge(config({}), '/srv/git/app.git', {})).toEqual({ type: 'local' });
    expect(chooseForge(config({}), undefined, {})).toEqual({ type: 'local' });
  });

  it('refuses a GitHub forge with no repository to name, with exit 2', () => {
    expect(() => chooseForge(config({ forge: { type: 'github' } }), '/srv/git/app.git', {})).toThrow(
      /forge.type "github" needs a repository: set forge.repo/,
    );
  });

  it('reads the host of every remote URL form', () => {
    expect(remoteHost('git@github.com:octo/app.git')).toBe('github.com');
    expect(remoteHost('ssh://git@GitHub.com/octo/app.git')).toBe('github.com');
    expect(remoteHost('https://github.com/octo/app')).toBe('github.com');
    expect(remoteHost('/srv/git/app.git')).toBeUndefined();
    expect(remoteHost('file:///srv/git/app.git')).toBeUndefined();
  });
});
