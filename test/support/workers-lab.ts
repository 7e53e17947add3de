/**
 * The lab of the `serve --workers 2` tests: one lab server with two workers for the calling test
 * file, started once before its tests.
 */
import { beforeAll } from 'vitest';
import type { Admin } from './admin-api.ts';
import type { XkslabServer } from './binary.ts';
import { type TempServers, useTempServers } from './fixture.ts';
import type { LabSeed, LabTargets } from './lab-seed.ts';

/** Enough requests that round-robin hands some to each of the two workers. */
export const EVERY_WORKER = 8;

export let lab: LabSeed;
export let server: XkslabServer;
export let t: LabTargets;
export let admin: Admin;

/** Starts the lab server with `--workers 2` for the calling test file. */
export function useWorkersLab(): TempServers {
  const servers = useTempServers();
  beforeAll(async () => {
    ({ lab, server, t, admin } = await servers.startLab({
      start: { extraArgs: ['--workers', '2'] },
    }));
  }, 60_000);
  return servers;
}
