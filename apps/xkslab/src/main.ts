#!/usr/bin/env node
/**
 * The composition root: the only place that reads the environment, opens the database, listens
 * and installs signal handlers. Everything else receives what it needs as parameters.
 */
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { runConformance } from '@xkslab/conformance';
import { SigningKeyCache } from '@xkslab/sigv4';
import { cipherEngine, isVcmError, LevelRecordStore, Vcm } from '@xkslab/vcm';
import { createAdminApp } from './admin/admin-app.ts';
import { ensureAdminToken } from './admin/auth.ts';
import { createAdminListenerApp, createApp } from './app.ts';
import { AUDIT_LOG_FILE, AuditLog, AuditLogError } from './audit/audit-log.ts';
import { deriveBackupRootKey } from './backup/backup-format.ts';
import { backupMaker } from './backup/snapshot.ts';
import { ADMIN_JSON_FILE, ADMIN_TOKEN_FILE } from './cli/admin-client.ts';
import { type CommandGroup, runCommandGroup } from './cli/admin-command.ts';
import { auditCommand } from './cli/audit-command.ts';
import { backupCommand, backupFromServer, restoreCommand } from './cli/backup-command.ts';
import { CommandError } from './cli/command-io.ts';
import { conformanceCommand } from './cli/conformance.ts';
import { demoCommand } from './cli/demo-command.ts';
import { FAULTS_COMMAND } from './cli/faults-command.ts';
import { UsageError } from './cli/flags.ts';
import { type CommandName, helpFor } from './cli/help.ts';
import { KEYS_COMMAND } from './cli/keys-command.ts';
import { CREDS_COMMAND, KEYSTORES_COMMAND } from './cli/keystores-command.ts';
import { kmsCommand, startKmsBeside } from './cli/kms-command.ts';
import { MODULES_COMMAND } from './cli/modules-command.ts';
import { POLICIES_COMMAND } from './cli/policies-command.ts';
import { resetCommand } from './cli/reset-command.ts';
import { seedCommand } from './cli/seed-export.ts';
import { loadSeedFile, SeedFileError } from './cli/seed-file.ts';
import { parseServeArgs, SERVE_HELP } from './cli/serve-options.ts';
import { didYouMean } from './cli/suggest.ts';
import { createDefaultState, type FirstStart, kmsProxyConfiguration } from './defaults.ts';
import { FaultPlan } from './faults/fault-plan.ts';
import { ImportParamsStore } from './keys/import-params.ts';
import { KeyStoreRegistry } from './keystores/registry.ts';
import { jsonLogger, warningsOnly } from './logger.ts';
import { loadMasterKey, MasterKeyError } from './master-key.ts';
import { XksMetrics } from './metrics/xks-metrics.ts';
import { nodeSha256 } from './node-sha256.ts';
import { PolicyStore } from './policies/policy-store.ts';
import { pooledRandom } from './random-pool.ts';
import { applySeed, checkSeedModules, SeedError } from './seed.ts';
import { closeServer, type FetchHandler, ListenError, type ListenTls, listen } from './server.ts';
import { type DevTlsPlan, devTlsHelp, planDevTls } from './tls/dev-tls.ts';
import { buildTlsSetup, loadTlsSetup, TlsConfigError } from './tls/tls-config.ts';
import { createUiApp } from './ui/ui-app.tsx';
import { PRODUCT, VERSION } from './version.ts';
import { checkLimits } from './xks/limits.ts';

const KMS_CONFIG_FILE = 'kms-proxy-config.json';
/** Credential last-use times are written at most this often (and at shutdown). */
const USAGE_FLUSH_MS = 5000;
/** The CSPRNG of the process, pooled: one randomBytes call per 4 KiB, not per IV. */
const random = pooledRandom((n: number) => new Uint8Array(randomBytes(n)));
const say = (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

/** A start-up failure outside the user's arguments: exit 1 with one clear line. */
class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

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

/** Resolves on the first SIGINT or SIGTERM; installed before anything else so none is missed. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** Answers requests that arrive while start-up is still running. */
const starting = () =>
  new Response(
    JSON.stringify({ errorName: 'DependencyTimeoutException', errorMessage: 'xkslab is starting' }),
    { status: 503, headers: { 'content-type': 'application/json' } },
  );

/** A URL a local client can use for a bound address (a wildcard address means loopback). */
function localUrl(scheme: string, address: { address: string; family: string; port: number }) {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard
    ? '127.0.0.1'
    : address.family === 'IPv6'
      ? `[${address.address}]`
      : address.address;
  return `${scheme}://${host}:${address.port}`;
}

function adminTokenText(token: string, file: string): string {
  return [
    '',
    'Admin API token (shown once; only its SHA-256 is stored in the database):',
    `  ${token}`,
    `The CLI reads it from ${file} (mode 0600): keep that file as private as master.key.`,
    '',
  ].join('\n');
}

function firstStartText(url: string, dataDir: string, first: FirstStart): string {
  return [
    '',
    'First start: paste these into the AWS KMS console (Create external key store):',
    `  Proxy URI endpoint   ${url}`,
    `  Proxy URI path       ${first.uriPathPrefix}/kms/xks/v1`,
    `  Access key ID        ${first.accessKeyId}`,
    `  Secret access key    ${first.secretAccessKey}`,
    `  External key ID      ${first.keyId}   (for Create key, origin External key store)`,
    `  Region               ${first.region}`,
    `The proxy configuration file is ${join(dataDir, KMS_CONFIG_FILE)}. The secret is not shown again.`,
    'AWS KMS itself needs https://<public DNS name> on port 443 with a publicly trusted certificate.',
    '',
  ].join('\n');
}

/**
 * HTTPS settings from --tls-cert/--tls-key (+ --mtls-ca/--mtls-subject) or --dev-tls; nothing for
 * plain HTTP. Only reads files: dev certificates made anew are written by `devTls.write()`.
 */
async function prepareTls(
  options: ReturnType<typeof parseServeArgs>,
  dataDir: string,
  logger: ReturnType<typeof jsonLogger>,
): Promise<{ tls?: ListenTls; devTls?: DevTlsPlan; warnings: string[] }> {
  const now = new Date();
  const onRefused: ListenTls['onRefused'] = (refusal) => logger.warn('tls refused', refusal);
  if (options.devTls) {
    const devTls = await planDevTls(dataDir, now);
    const sources = options.noMtls ? { ...devTls.sources, mtls: undefined } : devTls.sources;
    const setup = buildTlsSetup(sources, now);
    return {
      tls: { serverOptions: setup.serverOptions, clientName: setup.clientSubject, onRefused },
      devTls,
      warnings: setup.warnings,
    };
  }
  if (options.tlsCert === undefined || options.tlsKey === undefined) return { warnings: [] };
  const setup = await loadTlsSetup(
    {
      certFile: options.tlsCert,
      keyFile: options.tlsKey,
      mtls:
        options.mtlsCa !== undefined && options.mtlsSubject !== undefined
          ? { caFile: options.mtlsCa, subject: options.mtlsSubject }
          : undefined,
    },
    now,
  );
  return {
    tls: { serverOptions: setup.serverOptions, clientName: setup.clientSubject, onRefused },
    warnings: setup.warnings,
  };
}

async function serve(args: readonly string[]): Promise<number> {
  const stopped = stopSignal();
  const options = parseServeArgs(args);
  if (options.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const limits = {
    maxPlaintextBytes: options.maxPlaintextBytes,
    maxAadBytes: options.maxAadBytes,
    maxBodyBytes: Math.max(
      256 * 1024,
      Math.ceil((options.maxPlaintextBytes + options.maxAadBytes) * 1.4) + 16 * 1024,
    ),
  };
  const badLimits = checkLimits(limits);
  if (badLimits) throw new UsageError(badLimits);
  // Everything that can fail on the user's input fails before the data directory is touched:
  // the seed, its module references (for a new directory), and the port.
  const seed = options.seed ? await loadSeedFile(options.seed) : undefined;
  const dataDir = resolve(options.dataDir);
  const isNew = !(await exists(join(dataDir, 'db')));
  if (seed && isNew) checkSeedModules(seed, new Set());
  const logger = jsonLogger((line) => process.stdout.write(line), undefined, {
    level: options.logLevel,
  });
  // --quiet: the request handlers (XKS, admin, KMS emulator) keep their warnings and errors only.
  const requestLogger = options.quiet ? warningsOnly(logger) : logger;
  logger.debug('options', {
    dataDir,
    engine: options.engine,
    maxPlaintextBytes: limits.maxPlaintextBytes,
    maxAadBytes: limits.maxAadBytes,
    maxBodyBytes: limits.maxBodyBytes,
    moduleTimeoutMs: options.moduleTimeoutMs,
    seed: options.seed,
    newDataDir: isNew,
  });
  const { tls, devTls, warnings } = await prepareTls(options, dataDir, logger);
  let handler: FetchHandler = starting;
  const { server, address } = await listen(
    (req, env) => handler(req, env),
    options.host,
    options.port,
    tls,
  );
  let vcm: Vcm | undefined;
  let store: LevelRecordStore | undefined;
  let audit: AuditLog | undefined;
  let adminServer: Awaited<ReturnType<typeof listen>>['server'] | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  try {
    await prepareDataDir(dataDir);
    await devTls?.write();
    audit = await AuditLog.open(join(dataDir, AUDIT_LOG_FILE), { logger });
    // The master key before the database: a first start that fails (disk full) or is killed in
    // between must not leave a db/ without its master.key, which would refuse every later start.
    const master = await loadMasterKey({
      dataDir,
      fromEnv: process.env.XKSLAB_MASTER_KEY,
      isNewDataDir: isNew,
      random,
    });
    logger.debug('master key', { source: master.source, created: master.created });
    store = await LevelRecordStore.open(join(dataDir, 'db'));
    vcm = await Vcm.open({
      store,
      engine: cipherEngine(options.engine),
      masterKey: master.key,
      random,
    });
    const registry = await KeyStoreRegistry.load(store, vcm);
    let first: FirstStart | undefined;
    if (seed) {
      const report = await applySeed(seed, { vcm, registry });
      logger.debug('seed applied', {
        created: report.created.length,
        unchanged: report.unchanged.length,
      });
      for (const line of report.created) say(`seed: created ${line}`);
      if (report.unchanged.length) {
        say(`seed: ${report.unchanged.length} item(s) already present, unchanged`);
      }
    } else if (registry.list().length === 0 && (await vcm.listModules()).length === 0) {
      first = await createDefaultState({ vcm, registry, random });
      const config = kmsProxyConfiguration(
        first.uriPathPrefix,
        first.accessKeyId,
        first.secretAccessKey,
      );
      await writeFile(join(dataDir, KMS_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`, {
        mode: 0o600,
      });
    }
    const clock = () => new Date();
    const policies = await PolicyStore.load(store);
    const adminToken = await ensureAdminToken({
      store,
      random,
      clock,
      reset: options.resetAdminToken,
    });
    // Fault injection: none unless the seed (or later the admin API) switches rules on.
    const faults = new FaultPlan({ clock, random: Math.random });
    for (const rule of seed?.faults ?? []) {
      try {
        faults.add(rule);
      } catch (e) {
        throw new SeedError(`seed faults: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const adminDeps = {
      vcm,
      registry,
      policies,
      faults,
      imports: new ImportParamsStore({ store, sealer: vcm, clock, random }),
      adminTokenHash: adminToken.hash,
      clock,
      random,
      logger: requestLogger,
      audit,
      backup: backupMaker({ store, rootKey: deriveBackupRootKey(master.key), clock, random }),
    };
    const adminApp = createAdminApp(adminDeps);
    // The dashboard (/ui) and GET /metrics live beside the admin API, on its listener.
    const metrics = new XksMetrics({ processMetrics: true });
    const ui = createUiApp({
      ...adminDeps,
      metrics,
      auditLog: audit,
      xksUrl: localUrl(tls ? 'https' : 'http', address),
      runConformance,
    });
    // Over TLS the admin API does not share the XKS listener (its clients have no client
    // certificate and do not trust a private CA): without --admin-port it gets its own plain-HTTP
    // listener on loopback, at a free port written to admin.json.
    const adminPort = options.adminPort ?? (tls ? 0 : undefined);
    const separateAdmin = adminPort !== undefined;
    const app = createApp({
      vcm,
      registry,
      limits,
      logger: requestLogger,
      clock,
      sigv4Cache: new SigningKeyCache(),
      sigv4Hash: nodeSha256,
      moduleTimeoutMs: options.moduleTimeoutMs,
      audit,
      policies,
      faults,
      metrics,
      ...(separateAdmin ? {} : { admin: adminApp, ui: ui.app }),
    });
    let adminUrl = localUrl(tls ? 'https' : 'http', address);
    if (adminPort !== undefined) {
      const bound = await listen(
        createAdminListenerApp({ admin: adminApp, ui: ui.app }).fetch,
        options.adminHost ?? (options.adminPort === undefined ? '127.0.0.1' : options.host),
        adminPort,
      );
      adminServer = bound.server;
      adminUrl = localUrl('http', bound.address);
    }
    // xksUrl: where `xkslab conformance --local` sends XKS requests (not adminUrl over TLS).
    const xksUrl = localUrl(tls ? 'https' : 'http', address);
    await writeFile(
      join(dataDir, ADMIN_JSON_FILE),
      `${JSON.stringify({ url: adminUrl, xksUrl })}\n`,
      {
        mode: 0o600,
      },
    );
    if (adminToken.newToken !== undefined) {
      await writeFile(join(dataDir, ADMIN_TOKEN_FILE), `${adminToken.newToken}\n`, { mode: 0o600 });
    }
    const flush = () =>
      registry.flushUsage().catch((e: unknown) => {
        logger.warn('could not record credential use', {
          cause: e instanceof Error ? e.message : String(e),
        });
      });
    flushTimer = setInterval(() => void flush(), USAGE_FLUSH_MS);
    flushTimer.unref();
    handler = app.fetch;
    const kms =
      options.kmsPort === undefined
        ? undefined
        : await startKmsBeside({
            host: options.host,
            port: options.kmsPort,
            dataDir,
            masterKey: master.key,
            logger,
            requestLogger,
            listen,
            closeServer,
            say,
            clock: () => new Date(),
            random,
          });
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `${tls ? 'https' : 'http'}://${host}:${address.port}`;
    say(`${PRODUCT} ${VERSION} listening on ${url}  (data: ${dataDir}, engine: ${options.engine})`);
    for (const ks of registry.list()) {
      say(
        `  key store ${ks.name}: ${url}${ks.uriPathPrefix}/kms/xks/v1  module ${ks.module}, ${ks.region}, ${ks.accessKeyIds.length} credential(s)`,
      );
    }
    if (first) say(firstStartText(url, dataDir, first));
    say(`  admin API: ${adminUrl}/admin/v1  (token: ${join(dataDir, ADMIN_TOKEN_FILE)})`);
    say(`  dashboard: ${adminUrl}/ui  (log in with the admin token; metrics: ${adminUrl}/metrics)`);
    if (adminToken.newToken !== undefined) {
      if (!isNew && !options.resetAdminToken) {
        // A restored directory: backups do not carry the admin token (see restoreCommand).
        say(
          '\nThis data directory had no admin token (a restore does not carry one over): made a new one.',
        );
      }
      say(adminTokenText(adminToken.newToken, join(dataDir, ADMIN_TOKEN_FILE)));
    }
    for (const warning of warnings) say(`xkslab: warning: ${warning}`);
    if (faults.active) {
      say(
        `xkslab: warning: ${faults.list().length} fault rule(s) from the seed are active: this proxy misbehaves on purpose ('xkslab faults list')`,
      );
    }
    if (devTls) say(devTlsHelp(devTls, url, tls?.clientName !== undefined));
    logger.info('listening', { url, adminUrl, dataDir, engine: options.engine });
    const signal = await stopped;
    logger.info('stopping', { signal });
    clearInterval(flushTimer);
    await kms?.close();
    await closeServer(server);
    if (adminServer) await closeServer(adminServer);
    await flush();
    await audit.close();
    await vcm.close();
    return 0;
  } catch (e) {
    clearInterval(flushTimer);
    await closeServer(server);
    if (adminServer) await closeServer(adminServer);
    await audit?.close().catch(() => undefined);
    await (vcm ? vcm.close() : store?.close())?.catch(() => undefined);
    throw e;
  }
}

/** Commands that talk to a running server through the admin API. */
const ADMIN_COMMANDS = {
  modules: MODULES_COMMAND,
  keys: KEYS_COMMAND,
  keystores: KEYSTORES_COMMAND,
  creds: CREDS_COMMAND,
  policies: POLICIES_COMMAND,
  faults: FAULTS_COMMAND,
} satisfies Record<string, CommandGroup>;

const commandIo = {
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
};

/** What `backup` and `restore` get from the composition root. */
function backupDeps() {
  return {
    io: commandIo,
    masterKeyFromEnv: process.env.XKSLAB_MASTER_KEY || undefined,
    openStore: (dir: string) => LevelRecordStore.open(dir),
    clock: () => new Date(),
    random,
    backupViaServer: (dir: string) => backupFromServer(dir),
  };
}

/** Resolves on the next line typed on stdin (or at once when stdin has ended). */
function waitForEnter(): Promise<void> {
  return new Promise((done) => {
    if (process.stdin.readableEnded) {
      done();
      return;
    }
    const finish = () => {
      process.stdin.off('data', finish);
      process.stdin.off('end', finish);
      process.stdin.pause();
      done();
    };
    process.stdin.on('data', finish);
    process.stdin.on('end', finish);
    process.stdin.resume();
  });
}

/** What `demo` gets from the composition root. */
function demoDeps() {
  return {
    io: commandIo,
    listen,
    closeServer,
    openStore: (dir: string) => LevelRecordStore.open(dir),
    makeTempDir: () => mkdtemp(join(tmpdir(), 'xkslab-demo-')),
    removeDir: (dir: string) => rm(dir, { recursive: true, force: true }),
    waitForEnter,
    clock: () => new Date(),
    random,
  };
}

/** Asks one question on the terminal (stderr) and resolves with the line typed. */
async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** Every command: the keys are exactly the names `xkslab --help` lists (cli/help.ts). */
const COMMAND_RUN: Record<CommandName, (rest: readonly string[]) => Promise<number>> = {
  serve,
  kms: (rest) =>
    kmsCommand(rest, {
      io: commandIo,
      listen,
      closeServer,
      stopped: stopSignal(),
      masterKeyFromEnv: process.env.XKSLAB_KMS_MASTER_KEY || undefined,
      clock: () => new Date(),
      random,
    }),
  demo: (rest) => demoCommand(rest, demoDeps()),
  conformance: (rest) =>
    conformanceCommand(
      rest,
      {
        secret: process.env.XKSLAB_CONFORMANCE_SECRET,
        secondSecret: process.env.XKSLAB_CONFORMANCE_SECOND_SECRET,
      },
      {
        ...commandIo,
        stderrIsTty: process.stderr.isTTY === true,
        stdoutIsTty: process.stdout.isTTY === true,
        columns: process.stdout.columns,
      },
      { interrupted: stopSignal(), random },
    ),
  ...(Object.fromEntries(
    Object.entries(ADMIN_COMMANDS).map(([name, group]) => [
      name,
      (rest: readonly string[]) =>
        runCommandGroup(group, rest, {
          io: commandIo,
          env: {
            url: process.env.XKSLAB_ADMIN_URL || undefined,
            token: process.env.XKSLAB_ADMIN_TOKEN || undefined,
          },
        }),
    ]),
  ) as Record<keyof typeof ADMIN_COMMANDS, (rest: readonly string[]) => Promise<number>>),
  audit: (rest) => auditCommand(rest, commandIo),
  backup: (rest) => backupCommand(rest, backupDeps()),
  restore: (rest) => restoreCommand(rest, backupDeps()),
  seed: (rest) =>
    seedCommand(rest, {
      io: commandIo,
      masterKeyFromEnv: process.env.XKSLAB_MASTER_KEY || undefined,
      openStore: (dir: string) => LevelRecordStore.open(dir),
    }),
  reset: (rest) =>
    resetCommand(rest, {
      io: commandIo,
      openStore: (dir: string) => LevelRecordStore.open(dir),
      interactive: process.stdin.isTTY === true,
      ask,
    }),
  help: async (rest) => {
    process.stdout.write(helpFor(rest[0]));
    return 0;
  },
  version: async () => {
    process.stdout.write(`${PRODUCT} ${VERSION}\n`);
    return 0;
  },
};

const COMMAND_ALIASES: Record<string, CommandName> = {
  '-h': 'help',
  '--help': 'help',
  '-v': 'version',
  '--version': 'version',
};

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  const name = COMMAND_ALIASES[command] ?? command;
  if (!Object.hasOwn(COMMAND_RUN, name)) {
    const hint = didYouMean(name, Object.keys(COMMAND_RUN));
    throw new UsageError(
      `unknown command '${command}'${hint || '.'} Run 'xkslab --help' for the list`,
    );
  }
  return COMMAND_RUN[name as CommandName](rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      say(`xkslab: ${e.message}`);
      process.exit(2);
    }
    if (
      e instanceof SeedFileError ||
      e instanceof SeedError ||
      e instanceof MasterKeyError ||
      e instanceof ListenError ||
      e instanceof StartupError ||
      e instanceof TlsConfigError ||
      e instanceof AuditLogError ||
      e instanceof CommandError
    ) {
      say(`xkslab: ${e.message}`);
      process.exit(1);
    }
    if (isVcmError(e, 'WRONG_MASTER_KEY')) {
      say(
        'xkslab: the master key does not open this data directory; use the master.key it was created with or the right XKSLAB_MASTER_KEY',
      );
      process.exit(1);
    }
    if (isVcmError(e)) {
      say(`xkslab: ${e.message}`);
      process.exit(1);
    }
    say(`xkslab: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
