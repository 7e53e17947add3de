/**
 * The temp-server fixture of the end-to-end tests: temporary directories and running servers that
 * one test file (or describe block) makes, all stopped and removed after its tests. `startLab`
 * does the usual start: a fresh data dir, the binary on the lab seed, wait for `listening`, the
 * lab's XKS targets and an admin client from the token the server wrote.
 */
import { afterAll, beforeAll } from 'vitest';
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
  startLab(options?: LabOptions): Promise<LabServer>;
};

export type LabOptions = { lab?: LabSeed; start?: Omit<StartOptions, 'seed'> };

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

/**
 * What a beforeAll starts and the tests read: `view` has one getter per name in `keys`, reading
 * the value `set` was given, and throws (naming `what`) while nothing is set yet.
 */
export function startedView<T extends object>(
  what: string,
  keys: readonly (keyof T & string)[],
): { view: T; set(value: T): void } {
  let current: T | undefined;
  const view = {} as T;
  for (const key of keys) {
    Object.defineProperty(view, key, {
      enumerable: true,
      get() {
        if (current === undefined) throw new Error(`${what} is not started yet: read it in a test`);
        return current[key];
      },
    });
  }
  return {
    view,
    set(value) {
      current = value;
    },
  };
}

/**
 * One lab server for the tests of the calling file or describe block: `servers.startLab(options)`
 * in a beforeAll, stopped with `servers`. The returned object reads the started server, so tests
 * use `labServer.admin`, `labServer.t`, ...
 */
export function useLab(servers: TempServers = useTempServers(), options?: LabOptions): LabServer {
  const started = startedView<LabServer>('the lab server', ['lab', 'server', 't', 'admin']);
  beforeAll(async () => {
    started.set(await servers.startLab(options));
  });
  return started.view;
}
