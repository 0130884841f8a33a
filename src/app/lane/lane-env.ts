/** The lane's variables and the env file block that holds them. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { upsertEnvBlock } from '../../domain/env-block.js';
import type { LaneRecord } from '../../domain/lane.js';
import { portVariable } from '../../domain/ports.js';
import { writeFileAtomic } from '../../infra/fs-atomic.js';
import { requireEnvFileInWorktree } from './config-paths.js';

export function laneVariables(
  lane: Pick<LaneRecord, 'name' | 'ports' | 'database' | 'branch' | 'path'>,
): Record<string, string> {
  const vars: Record<string, string> = { LANE: lane.name, LANE_BRANCH: lane.branch, LANE_PATH: lane.path };
  const services = Object.entries(lane.ports);
  if (services[0]) vars.PORT = String(services[0][1]);
  for (const [service, port] of services) vars[portVariable(service)] = String(port);
  if (lane.database?.url) vars.DATABASE_URL = lane.database.url;
  return vars;
}

/** Rewrites lanes' block in the lane's env file; everything else in the file stays as it was. */
export function writeLaneEnv(
  lane: Pick<LaneRecord, 'name' | 'ports' | 'database' | 'branch' | 'path' | 'envFile'>,
): string {
  requireEnvFileInWorktree(lane.path, lane.envFile);
  const file = join(lane.path, lane.envFile);
  const exists = existsSync(file);
  const before = exists ? readFileSync(file, 'utf8') : '';
  // Keep the file's permissions (a .env with secrets is often 0600); a new file is private.
  const mode = exists ? statSync(file).mode & 0o777 : 0o600;
  writeFileAtomic(file, upsertEnvBlock(before, laneVariables(lane)), mode);
  return file;
}
