/**
 * The lab of the fault-injection tests: one server on the lab seed for the calling test file, its
 * fault rules cleared after each test, and a helper that adds a rule through the admin API.
 */
import { runConformance } from '@xkslab/conformance';
import { afterEach, beforeAll } from 'vitest';
import { type Admin, adminOk } from './admin-api.ts';
import type { XkslabServer } from './binary.ts';
import { labConformanceOptions } from './conformance.ts';
import { useTempServers } from './fixture.ts';
import type { LabSeed, LabTargets } from './lab-seed.ts';

export let lab: LabSeed;
export let server: XkslabServer;
export let admin: Admin;
export let t: LabTargets;

/** Starts the lab server for the calling test file; every fault rule is cleared after each test. */
export function useFaultLab(): ReturnType<typeof useTempServers> {
  const servers = useTempServers();
  beforeAll(async () => {
    ({ lab, server, t, admin } = await servers.startLab());
  });
  afterEach(async () => {
    adminOk(await admin.call('DELETE', '/faults'));
  });
  return servers;
}

export async function addFault(rule: Record<string, unknown>) {
  return adminOk(await admin.call('POST', '/faults', rule), 201).fault as { id: string };
}

/** The conformance runner against the lab server: every check, or only those named (prefixes). */
export const runChecks = (only?: string[]) =>
  runConformance({ ...labConformanceOptions(lab, server.port), ...(only ? { only } : {}) });
