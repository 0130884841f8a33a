import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

// One ESM bundle with code splitting: the entry point loads only the command that runs,
// so `lanes --version` and `lanes port` do not pay for SQLite, git or HTTP clients they never use.
export default defineConfig({
  entry: { lanes: 'src/cli/main.ts', 'gen-schema': 'src/infra/gen-schema.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  splitting: true,
  clean: true,
  sourcemap: true,
  shims: false,
  banner: { js: '#!/usr/bin/env node' },
  define: { __LANES_VERSION__: JSON.stringify(version) },
  external: ['better-sqlite3', 'pg', '@octokit/rest', '@linear/sdk', 'jira.js', '@neon/sdk'],
});
