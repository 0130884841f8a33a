import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

// One ESM bundle with code splitting: the entry point loads only the command that runs,
// so `lanes --version` and `lanes port` do not pay for SQLite, git or HTTP clients they never use.
export default defineConfig({
  entry: { lanes: 'src/cli/main.ts', supervisor: 'src/cli/supervisor.ts', 'gen-schema': 'src/infra/gen-schema.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  splitting: true,
  clean: true,
  sourcemap: true,
  shims: false,
  // Bundled CommonJS libraries (commander) call require(); ESM output needs one made for it.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __lanesCreateRequire } from 'node:module';\nconst require = __lanesCreateRequire(import.meta.url);",
  },
  define: { __LANES_VERSION__: JSON.stringify(version) },
  // Bundled (noExternal) libraries load as one file each instead of hundreds of modules.
  noExternal: ['zod', 'yaml', 'commander'],
  external: ['better-sqlite3', 'pg', '@octokit/rest', '@linear/sdk', 'jira.js', '@neon/sdk'],
  // One line instead of a line per chunk and source map (errors are still printed).
  silent: true,
  async onSuccess() {
    const files = readdirSync('dist').filter((f) => f.endsWith('.js'));
    const bytes = files.reduce((sum, f) => sum + statSync(join('dist', f)).size, 0);
    console.log(`lanes ${version}: built dist/ (${files.length} chunks, ${Math.round(bytes / 1024)} KB of JavaScript)`);
  },
});
