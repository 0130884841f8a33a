/**
 * The composition root: the one place that chooses the implementations behind the contracts
 * (issue sources, database providers, agent adapters, runners, the clock). Both entry points,
 * program.ts (the lanes command) and supervisor.ts, build their adapters here; use cases get them
 * through the Context and never import src/adapters.
 *
 * Registries with heavy clients load on first use, so a command pays only for what it touches
 * (`lanes new --no-agent` on local issues never loads an HTTP client, `lanes ls` no agent parser).
 */
import type { Adapters } from '../contracts/adapters.js';
import type { Runner } from '../contracts/runner.js';
import { createRunners } from '../adapters/runners/registry.js';

export interface CompositionOptions {
  /** Runners beyond the built-in ones, by their own names (the tests' recording runner). */
  extraRunners?: readonly Runner[];
}

export function composeAdapters(opts: CompositionOptions = {}): Adapters {
  return {
    async issueSource(request) {
      const registry = await import('../adapters/issues/registry.js');
      const config = registry.issuesConfigFor(request.config, request.override);
      return registry.createIssueSource(config, {
        repoRoot: request.repoRoot,
        env: request.env,
        runtime: { onWait: request.onWait },
      });
    },
    async dbBranches(request) {
      const registry = await import('../adapters/db/registry.js');
      return registry.createDbBranches(request.config, { repoRoot: request.repoRoot, env: request.env });
    },
    agents: () => import('../adapters/agents/registry.js').then((m) => m.agentAdapters),
    executors: () => import('../adapters/executors/registry.js').then((m) => m.remoteExecutors),
    forge: (request) => import('../adapters/forges/registry.js').then((m) => m.createForge(request)),
    runners: createRunners(opts.extraRunners),
    clock: { now: () => new Date() },
  };
}
