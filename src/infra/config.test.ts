import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';

function message(data: unknown): string {
  try {
    parseConfig(data);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a config error');
}

describe('config validation', () => {
  it('fills every default from an empty file', () => {
    const config = parseConfig({});
    expect(config.ports).toEqual({ base: 4000, range: 1000, services: { web: {} } });
    expect(config.templates.worktree).toBe('{repoParent}/{repo}-worktrees/{lane}');
    expect(config.copy).toEqual({ include: ['.env*'], exclude: ['.env.example'] });
    expect(config.issues).toEqual({ source: 'local', dir: 'issues' });
  });

  it('names a typo and the nearest valid key, at any depth', () => {
    expect(message({ prots: {} })).toBe('lanes.config.json: unknown key "prots"; did you mean "ports"?');
    expect(message({ ports: { services: { api: { bsae: 5000 } } } })).toBe(
      'lanes.config.json: unknown key "ports.services.api.bsae"; did you mean "base"?',
    );
    expect(message({ issues: { source: 'github', repo: 'a/b', baseUrll: 'https://x' } })).toContain(
      'did you mean "baseUrl"?',
    );
    expect(message({ database: { provider: 'sqlite', pth: 'db.sqlite' } })).toContain('did you mean "path"?');
  });

  it('lists the accepted keys when nothing is close', () => {
    expect(message({ hooks: { zzzzzzzz: [] } })).toBe(
      'lanes.config.json: unknown key "hooks.zzzzzzzz" (accepted: postCreate, preRemove)',
    );
  });

  it('names wrong types and missing keys', () => {
    expect(message({ ports: { base: 'x' } })).toContain('ports.base');
    expect(message({ database: { provider: 'postgres' } })).toBe(
      'lanes.config.json: "database.template" is required (string)',
    );
  });
});
