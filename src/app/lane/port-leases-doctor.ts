/**
 * The port-lease part of `lanes doctor`: leases in the machine-wide registry whose repository no
 * longer exists (its git common directory is gone) or whose lane is no longer in its repository
 * (a process killed between forgetting a lane and freeing its ports, a lane made by hand). With
 * --fix they are freed, so other lanes may take the ports.
 *
 * Leases are read before lanes: a lane is recorded before it leases, so a lease whose lane is
 * missing from the later read is really stale, not a lane being created right now. Only the exact
 * rows read are freed, never a lease made since.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../domain/errors.js';
import type { PortLease } from '../../infra/port-registry.js';
import { StateStore } from '../../infra/store.js';
import { adoptRecordedPorts, repositoryKey } from './allocate-ports.js';
import type { Context } from '../context.js';

export interface StaleLease {
  kind: 'stale-lease';
  lane: string | null;
  detail: string;
  fixed: boolean;
}

export async function findStaleLeases(ctx: Context, opts: { fix: boolean }): Promise<StaleLease[]> {
  const [repo, store, registry] = await Promise.all([ctx.repo(), ctx.store(), ctx.portRegistry()]);
  const here = repositoryKey(repo.commonDir);
  // This repository's lanes made before leases were machine-wide are leased first, so they never look stale.
  adoptRecordedPorts(registry, here, store.listLanes());
  const leases = registry.leases();

  const byRepo = new Map<string, PortLease[]>();
  for (const lease of leases) byRepo.set(lease.repo, [...(byRepo.get(lease.repo) ?? []), lease]);

  const problems: StaleLease[] = [];
  for (const [repoDir, owned] of byRepo) {
    let laneNames: Set<string> | undefined;
    let why: string;
    if (!existsSync(repoDir)) {
      why = `repository ${repoDir} no longer exists`;
    } else if (repoDir === here) {
      laneNames = new Set(store.listLanes().map((l) => l.name));
      why = 'no such lane in this repository';
    } else if (!existsSync(join(repoDir, 'lanes', 'state.db'))) {
      why = `repository ${repoDir} has no lanes any more`;
    } else {
      try {
        const other = StateStore.open(repoDir);
        try {
          laneNames = new Set(other.listLanes().map((l) => l.name));
        } finally {
          other.close();
        }
      } catch (err) {
        // Unreadable state is no proof the lanes are gone: keep the leases.
        ctx.io.err(`lanes: could not read the lanes of ${repoDir}: ${errorMessage(err)}`);
        continue;
      }
      why = `no such lane in ${repoDir}`;
    }
    const staleByLane = new Map<string, PortLease[]>();
    for (const lease of owned)
      if (!laneNames?.has(lease.lane)) staleByLane.set(lease.lane, [...(staleByLane.get(lease.lane) ?? []), lease]);
    for (const [lane, stale] of staleByLane) {
      if (opts.fix) for (const lease of stale) registry.releaseLease(lease);
      const ports = stale.map((l) => `${l.port} (${l.service})`).join(', ');
      problems.push({
        kind: 'stale-lease',
        lane,
        detail: `port${stale.length > 1 ? 's' : ''} ${ports} leased to lane ${lane}: ${why}`,
        fixed: opts.fix,
      });
    }
  }
  return problems;
}
