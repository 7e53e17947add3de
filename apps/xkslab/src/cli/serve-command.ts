/**
 * `xkslab serve`: validates the options, listens at once (answering 503 while starting), opens the
 * data directory, builds the object graph (wiring.ts), swaps the real application in, prints the
 * banner (banner.ts) and runs until `stopped` resolves. The environment, the signal handlers and
 * the listen function come from main.ts.
 */
import { access, constants, mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type AddonLoader, LevelRecordStore, type Pkcs11PinSource, type Vcm } from '@xkslab/vcm';
import { AUDIT_LOG_FILE, AuditLog } from '../audit/audit-log.ts';
import { KMS_CONFIG_FILE, serveBanner } from '../banner.ts';
import type { WorkerGroup } from '../cluster/primary.ts';
import { listenWithWorkers } from '../cluster/primary.ts';
import { isClusterWorker, serveWorker } from '../cluster/worker.ts';
import type { ConnectionLimits } from '../connection-limits.ts';
import { type FirstStart, kmsProxyConfiguration } from '../defaults.ts';
import type { KeyStoreRegistry } from '../keystores/registry.ts';
import type { Logger } from '../logger.ts';
import { loadMasterKey } from '../master-key.ts';
import {
  type AnyServer,
  type FetchHandler,
  type ListenerErrors,
  type ListenTls,
  startingAnswer,
} from '../server.ts';
import type { KmsBeside } from '../ui/ui-deps.ts';
import { UserFacingError } from '../user-facing-error.ts';
import { faultPlan, openCore, seedOrDefault, wireApps, wireServices } from '../wiring.ts';
import { ADMIN_JSON_FILE, ADMIN_TOKEN_FILE } from './admin-client.ts';
import type { CommandIo } from './command-io.ts';
import { connectionLimitsOf } from './connection-flags.ts';
import { startKmsBeside } from './kms-command.ts';
import { DEFAULT_KMS_HOST, DEFAULT_KMS_PORT } from './kms-options.ts';
import { boundUrl, localUrl, shellWord } from './listen-urls.ts';
import { ADMIN_DEFAULT_HOST, parseServeArgs, SERVE_HELP } from './serve-options.ts';
import { planServe, type ServePlan } from './serve-plan.ts';

/** Credential last-use times are written at most this often (and at shutdown). */
const USAGE_FLUSH_MS = 5000;

type Bound = { server: AnyServer; address: AddressInfo };
export type ServeListen = (
  fetch: FetchHandler,
  host: string,
  port: number,
  tls?: ListenTls,
  errors?: ListenerErrors,
  limits?: ConnectionLimits,
) => Promise<Bound>;

export type ServeDeps = {
  io: CommandIo;
  listen: ServeListen;
  closeServer: (server: AnyServer) => Promise<void>;
  /** Resolves with the signal's name on SIGINT or SIGTERM (installed by main.ts first thing). */
  stopped: Promise<string>;
  /** XKSLAB_MASTER_KEY, when set. */
  masterKeyFromEnv: string | undefined;
  /**
   * Makes every file the process creates from now on private to its user (umask 077): the
   * database files LevelDB makes while it runs, the audit log, dev TLS files, admin.json.
   */
  privateFiles: () => void;
  clock: () => Date;
  random: (n: number) => Uint8Array;
  /** The PIN of a `pkcs11` module (main.ts reads the environment); absent: such modules fail. */
  pkcs11Pin?: Pkcs11PinSource;
  /** Loads the `native` engine's addon; absent: from the package's own places. */
  loadAesGcm?: AddonLoader;
};

/** A start-up failure outside the user's arguments: exit 1 with one clear line. */
class StartupError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** What is open while the server runs, closed in order by `shutdown`. */
type Running = {
  /** The XKS listener, or with --workers N the worker processes that share it. */
  server?: AnyServer;
  workers?: WorkerGroup;
  adminServer?: AnyServer;
  audit?: AuditLog;
  store?: LevelRecordStore;
  vcm?: Vcm;
  flushTimer?: NodeJS.Timeout;
  /** Writes the credential last-use times not yet written. */
  flush?: () => Promise<void>;
  kms?: KmsBeside & { close(): Promise<void> };
};

/** Creates the data directory (0700) if needed and checks that it is writable. */
async function prepareDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK);
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : 'error';
    throw new StartupError(`data directory ${dir} is not writable (${code})`);
  }
}

/** What start-up hands to the announcement: the application and what the banner reports. */
type Started = {
  fetch: FetchHandler;
  masterKey: Uint8Array;
  registry: KeyStoreRegistry;
  adminUrl: string;
  /** The admin listener's address as bound (server.address()), for the banner. */
  adminBoundUrl: string;
  first?: FirstStart | undefined;
  newAdminToken?: string | undefined;
  activeFaultRules: number;
};

/** Opens the data directory: the audit log, the master key, the database, the module layer. */
async function openData(p: ServePlan, running: Running, deps: ServeDeps) {
  const { dataDir, logger } = p;
  await prepareDataDir(dataDir);
  await p.devTls?.write();
  const audit = await AuditLog.open(join(dataDir, AUDIT_LOG_FILE), { logger });
  running.audit = audit;
  // The master key before the database: a first start that fails (disk full) or is killed in
  // between must not leave a db/ without its master.key, which would refuse every later start.
  const master = await loadMasterKey({
    dataDir,
    fromEnv: deps.masterKeyFromEnv,
    isNewDataDir: p.isNew,
    random: deps.random,
  });
  logger.debug('master key', { source: master.source, created: master.created });
  const store = await LevelRecordStore.open(join(dataDir, 'db'));
  running.store = store;
  const core = await openCore({
    store,
    masterKey: master.key,
    engine: p.engine.engine,
    random: deps.random,
    ...(deps.pkcs11Pin === undefined ? {} : { pkcs11Pin: deps.pkcs11Pin }),
  });
  running.vcm = core.vcm;
  return { audit, masterKey: master.key, store, core };
}

/** Applies the seed, or on a new database makes the default state and its KMS config file. */
async function seedData(
  p: ServePlan,
  core: Parameters<typeof seedOrDefault>[0],
  deps: ServeDeps,
): Promise<FirstStart | undefined> {
  const say = sayTo(deps.io);
  const { seeded, first } = await seedOrDefault(core, p.seed, deps.random);
  if (seeded) {
    p.logger.debug('seed applied', {
      created: seeded.created.length,
      unchanged: seeded.unchanged.length,
    });
    for (const line of seeded.created) say(`seed: created ${line}`);
    if (seeded.unchanged.length) {
      say(`seed: ${seeded.unchanged.length} item(s) already present, unchanged`);
    }
  }
  if (first) {
    const config = kmsProxyConfiguration(
      first.uriPathPrefix,
      first.accessKeyId,
      first.secretAccessKey,
    );
    await writeFile(join(p.dataDir, KMS_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`, {
      mode: 0o600,
    });
  }
  return first;
}

/**
 * Builds the object graph over the data directory and the admin listener when it has one. Over
 * TLS the admin API does not share the XKS listener (its clients have no client certificate and
 * do not trust a private CA): without --admin-port it gets its own plain-HTTP listener on
 * loopback, at a free port written to admin.json.
 */
async function start(
  p: ServePlan,
  address: AddressInfo,
  running: Running,
  deps: ServeDeps,
): Promise<Started> {
  const { options, tls } = p;
  const { audit, masterKey, store, core } = await openData(p, running, deps);
  const first = await seedData(p, core, deps);
  const { clock, random } = deps;
  const { workers } = running;
  const faults = faultPlan(p.seed?.faults, clock);
  const wired = await wireServices({
    ...{ core, store, masterKey, audit, faults, clock, random },
    logger: p.requestLogger,
    resetAdminToken: options.resetAdminToken,
  });
  // Workers serve XKS only: the admin API stays with the data, in this process.
  const adminPort = options.adminPort ?? (tls || workers ? 0 : undefined);
  // xksUrl: where `xkslab conformance --local` sends XKS requests (not adminUrl over TLS).
  const xksUrl = localUrl(tls ? 'https' : 'http', address);
  const { app, adminListener, xksDeps } = wireApps({
    services: wired.services,
    audit,
    limits: p.limits,
    moduleTimeoutMs: options.moduleTimeoutMs,
    xksUrl,
    separateAdmin: adminPort !== undefined,
    // The emulator starts once the proxy serves (startKmsAndAnnounce); the page asks for it then.
    kms: {
      beside: () => running.kms,
      startCommand: `xkslab serve --data-dir ${shellWord(p.dataDir)} --kms-port ${DEFAULT_KMS_PORT}`,
    },
  });
  let adminUrl = xksUrl;
  let adminBoundUrl: string | undefined;
  if (adminListener && adminPort !== undefined) {
    // Loopback unless --admin-host says otherwise: --host exposes the XKS API, not the admin
    // API, the dashboard and /metrics.
    const admin = await deps.listen(
      adminListener.fetch,
      options.adminHost ?? ADMIN_DEFAULT_HOST,
      adminPort,
      undefined,
      'admin',
    );
    running.adminServer = admin.server;
    adminUrl = localUrl('http', admin.address);
    adminBoundUrl = boundUrl('http', admin.address);
  }
  await writeRuntimeFiles(p.dataDir, { url: adminUrl, xksUrl }, wired.newAdminToken);
  startUsageFlush(core.registry, p.logger, running);
  await workers?.serve({ deps: xksDeps, registry: core.registry, faults });
  return {
    fetch: app.fetch,
    masterKey,
    registry: core.registry,
    adminUrl,
    adminBoundUrl: adminBoundUrl ?? boundUrl(tls ? 'https' : 'http', address),
    first,
    newAdminToken: wired.newAdminToken,
    activeFaultRules: faults?.active ? faults.list().length : 0,
  };
}

/** admin.json (where the CLI finds the admin API) and, when one was made, the admin token file. */
async function writeRuntimeFiles(
  dataDir: string,
  adminJson: { url: string; xksUrl: string },
  newAdminToken: string | undefined,
): Promise<void> {
  await writeFile(join(dataDir, ADMIN_JSON_FILE), `${JSON.stringify(adminJson)}\n`, {
    mode: 0o600,
  });
  if (newAdminToken !== undefined) {
    await writeFile(join(dataDir, ADMIN_TOKEN_FILE), `${newAdminToken}\n`, { mode: 0o600 });
  }
}

/** Writes credential last-use times every USAGE_FLUSH_MS; `running.flush` writes the rest. */
function startUsageFlush(registry: KeyStoreRegistry, logger: Logger, running: Running): void {
  running.flush = () =>
    registry.flushUsage().catch((e: unknown) => {
      logger.warn('could not record credential use', {
        cause: e instanceof Error ? e.message : String(e),
      });
    });
  const flush = running.flush;
  running.flushTimer = setInterval(() => void flush(), USAGE_FLUSH_MS);
  running.flushTimer.unref();
}

/** --kms-port's emulator, then the banner and the `listening` log line. */
async function startKmsAndAnnounce(
  p: ServePlan,
  address: AddressInfo,
  started: Started,
  running: Running,
  deps: ServeDeps,
): Promise<void> {
  const { options, dataDir, logger, tls } = p;
  const say = sayTo(deps.io);
  if (options.kmsPort !== undefined) {
    running.kms = await startKmsBeside({
      // Loopback unless --kms-host: --host exposes the XKS API, not the emulator.
      host: options.kmsHost ?? DEFAULT_KMS_HOST,
      port: options.kmsPort,
      dataDir,
      masterKey: started.masterKey,
      seed: p.kmsSeed,
      logger,
      requestLogger: p.requestLogger,
      listen: deps.listen,
      closeServer: deps.closeServer,
      say,
      clock: () => new Date(),
      random: deps.random,
    });
  }
  const url = boundUrl(tls ? 'https' : 'http', address);
  const lines = serveBanner({
    url,
    adminUrl: started.adminBoundUrl,
    dataDir,
    engine: p.engine.engine.name,
    keyStores: started.registry.list(),
    first: started.first,
    adminTokenFile: join(dataDir, ADMIN_TOKEN_FILE),
    newAdminToken: started.newAdminToken,
    tokenAfterRestore: !p.isNew && !options.resetAdminToken,
    warnings: p.warnings,
    activeFaultRules: started.activeFaultRules,
    devTls: p.devTls,
    mtls: tls?.clientName !== undefined,
  });
  for (const line of lines) say(line);
  const { engine, nativeUnavailable } = p.engine;
  logger.info('listening', {
    url,
    adminUrl: started.adminUrl,
    dataDir,
    engine: engine.name,
    ...(nativeUnavailable === undefined ? {} : { nativeUnavailable }),
  });
}

/** Stops in order: listeners first, then the last credential-use times, the audit log, the database. */
async function shutdown(r: Running, deps: ServeDeps, graceful: boolean): Promise<void> {
  clearInterval(r.flushTimer);
  if (graceful) {
    await r.kms?.close();
    await r.workers?.stop();
    if (r.server) await deps.closeServer(r.server);
    if (r.adminServer) await deps.closeServer(r.adminServer);
    await r.flush?.();
    await r.audit?.close();
    await r.vcm?.close();
    return;
  }
  await r.kms?.close().catch(() => undefined);
  await r.workers?.stop();
  if (r.server) await deps.closeServer(r.server);
  if (r.adminServer) await deps.closeServer(r.adminServer);
  await r.audit?.close().catch(() => undefined);
  await (r.vcm ? r.vcm.close() : r.store?.close())?.catch(() => undefined);
}

function sayTo(io: CommandIo): (text: string) => void {
  return (text) => io.stderr(text.endsWith('\n') ? text : `${text}\n`);
}

export async function serve(args: readonly string[], given: ServeDeps): Promise<number> {
  const options = parseServeArgs(args);
  if (options.help) {
    given.io.stdout(SERVE_HELP);
    return 0;
  }
  // Every listener (XKS, admin, KMS emulator) under the same timeouts and cap.
  const limits = connectionLimitsOf(options);
  const deps: ServeDeps = {
    ...given,
    listen: (fetch, host, port, tls, errors) =>
      given.listen(fetch, host, port, tls, errors, limits),
  };
  deps.privateFiles();
  if (isClusterWorker()) return serveWorker(options, deps);
  const p = await planServe(options, deps.io, deps.loadAesGcm);
  let handler: FetchHandler = startingAnswer;
  const bound =
    options.workers > 1
      ? await listenWithWorkers({ ...options, ...p }, p.logger)
      : await deps.listen((req, env) => handler(req, env), options.host, options.port, p.tls);
  const running: Running = 'group' in bound ? { workers: bound.group } : { server: bound.server };
  try {
    const started = await start(p, bound.address, running, deps);
    handler = started.fetch;
    await startKmsAndAnnounce(p, bound.address, started, running, deps);
  } catch (e) {
    await shutdown(running, deps, false);
    throw e;
  }
  const signal = await deps.stopped;
  p.logger.info('stopping', { signal });
  await shutdown(running, deps, true);
  return 0;
}
