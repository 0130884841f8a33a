/**
 * The configuration used when a repository has no `lanes.config.json`, written by hand so that the
 * common case never loads zod (it costs more start-up time than the rest of `lanes new`). It must
 * equal `ConfigSchema.parse({})`; config-defaults.test.ts holds it to that.
 */
import { DEFAULT_DISPOSABLE } from '../domain/disposable.js';
import type { Config } from './config-schema.js';

export const ISSUE_SOURCES = ['local', 'github', 'linear', 'jira'] as const;

export function defaultConfig(): Config {
  return {
    templates: { lane: '{ref}', branch: '{lane}', worktree: '{repoParent}/{repo}-worktrees/{lane}' },
    envFile: '.env.local',
    copy: { include: ['.env*'], exclude: ['.env.example'] },
    ports: { base: 4000, range: 1000, services: { web: {} } },
    hooks: { postCreate: [], preRemove: [] },
    issues: { source: 'local', dir: 'issues' },
    database: { provider: 'none' },
    dependencies: { enabled: true, install: true },
    disposable: [...DEFAULT_DISPOSABLE],
    agents: {},
    phases: {},
    runners: {},
    validate: {
      commands: [],
      commandTimeoutMinutes: 15,
      testPatterns: [
        '**/*.test.*',
        '**/*.spec.*',
        '**/*_test.*',
        '**/test_*.py',
        'test/**',
        'tests/**',
        '**/__tests__/**',
      ],
      maxDiffBytes: 60_000,
      maxRounds: 3,
      profiles: {},
    },
    heal: {
      files: ['CLAUDE.md', 'AGENTS.md', 'GEMINI.md'],
      minLanes: 2,
      minFindings: 3,
      similarity: 0.5,
      maxActive: 20,
    },
    land: { syncMethod: 'rebase', order: [], maxRetries: 3 },
    notify: {},
  };
}

/** What `IssuesSchema.parse({ source })` gives: a source's settings when only its name is known (`--source`). */
export function defaultIssuesConfig(source: (typeof ISSUE_SOURCES)[number]): Config['issues'] {
  switch (source) {
    case 'local':
      return { source, dir: 'issues' };
    case 'jira':
      return { source, apiVersion: 3 };
    default:
      return { source };
  }
}
