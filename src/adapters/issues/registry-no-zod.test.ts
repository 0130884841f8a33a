import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { defaultConfig } from '../../infra/config-defaults.js';
import { createIssueSource, issuesConfigFor } from './registry.js';

// Every command that reads issues goes through the registry: it must not load zod (start-up cost)
// when there is no config file to validate.
const loaded = vi.hoisted(() => ({ zod: false }));
vi.mock('zod', () => {
  loaded.zod = true;
  throw new Error('zod was loaded');
});

describe('issue source registry without zod', () => {
  it('picks the configured source or a --source override without loading zod', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanes-registry-'));
    try {
      expect(issuesConfigFor(defaultConfig().issues, undefined)).toEqual({ source: 'local', dir: 'issues' });
      expect(issuesConfigFor(defaultConfig().issues, 'jira')).toEqual({ source: 'jira', apiVersion: 3 });
      expect(() => issuesConfigFor(defaultConfig().issues, 'gitlab')).toThrow('accepted: local, github, linear, jira');
      const source = await createIssueSource(defaultConfig().issues, { repoRoot: dir, env: {} });
      expect(source.name).toBe('local');
      expect(loaded.zod).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
