/**
 * The temp-server fixture of the end-to-end tests: temporary directories and running servers that
 * one test file (or describe block) makes, all stopped and removed after its tests. `startLab`
 * does the usual start: a fresh data dir, the binary on the lab seed, wait for `listening`, the
 * lab's XKS targets and an admin client from the token the server wrote.
 */
import { afterAll } from 'vitest';
import { type Admin, adminFor } from './admin-api.ts';
import {
  makeTempDir,
  removeDir,
  type StartOptions,
  startXkslab,
  type XkslabServer,
} from './binary.ts';
import { type LabSeed, type LabTargets, labSeed } from './lab-seed.ts';

/** A server on the lab seed, with what tests use to talk to it. */
export type LabServer = {
  lab: LabSeed;
  server: XkslabServer;
  /** The lab's key stores on this server. */
  t: LabTargets;
  /** The admin API, with the token in the server's data directory. */
  admin: Admin;
};

export type TempServers = {
  /** A fresh temporary directory, removed after the tests. */
  tempDir(label: string): Promise<string>;
  /** Removes `dir` after the tests too (e.g. the data directory of a server stopped with it kept). */
  removeLater(dir: string): void;
  /** `startXkslab`, stopped (and its own data directory removed) after the tests. */
  start(options?: StartOptions): Promise<XkslabServer>;
  /** Starts the binary on `lab` (default: a new lab seed) in a fresh data directory. */
  startLab(options?: { lab?: LabSeed; start?: Omit<StartOptions, 'seed'> }): Promise<LabServer>;
};

/** Registers the clean-up (afterAll) in the calling file or describe block. */
export function useTempServers(): TempServers {
  const dirs: string[] = [];
  const servers: XkslabServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(dirs.map((d) => removeDir(d)));
  });
  const start = async (options?: StartOptions) => {
    const server = await startXkslab(options);
    servers.push(server);
    return server;
  };
  return {
    async tempDir(label) {
      const dir = await makeTempDir(label);
      dirs.push(dir);
      return dir;
    },
    removeLater(dir) {
      dirs.push(dir);
    },
    start,
    async startLab(options = {}) {
      const lab = options.lab ?? labSeed();
      const server = await start({ ...options.start, seed: lab.seed });
      return { lab, server, t: lab.targets(server.port), admin: await adminFor(server.dataDir) };
    },
  };
}
