#!/usr/bin/env node
/**
 * The composition root: the only place that reads the environment, opens the database, listens
 * and installs signal handlers. Everything else receives what it needs as parameters.
 */
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SigningKeyCache } from '@xkslab/sigv4';
import { cipherEngine, isVcmError, LevelKeyStore, Vcm } from '@xkslab/vcm';
import { createApp } from './app.ts';
import { MAIN_HELP } from './cli/help.ts';
import { loadSeedFile, SeedFileError } from './cli/seed-file.ts';
import { parseServeArgs, SERVE_HELP, UsageError } from './cli/serve-options.ts';
import { createDefaultState, type FirstStart, kmsProxyConfiguration } from './defaults.ts';
import { KeyStoreRegistry } from './keystores/registry.ts';
import { jsonLogger } from './logger.ts';
import { loadMasterKey, MasterKeyError } from './master-key.ts';
import { applySeed, checkSeedModules, SeedError } from './seed.ts';
import { closeServer, type FetchHandler, ListenError, listen } from './server.ts';
import { PRODUCT, VERSION } from './version.ts';
import { checkLimits } from './xks/limits.ts';

const KMS_CONFIG_FILE = 'kms-proxy-config.json';
const random = (n: number) => new Uint8Array(randomBytes(n));
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
  let handler: FetchHandler = starting;
  const { server, address } = await listen(
    (req, env) => handler(req, env),
    options.host,
    options.port,
  );
  let vcm: Vcm | undefined;
  let store: LevelKeyStore | undefined;
  try {
    await prepareDataDir(dataDir);
    store = await LevelKeyStore.open(join(dataDir, 'db'));
    const master = await loadMasterKey({
      dataDir,
      fromEnv: process.env.XKSLAB_MASTER_KEY,
      isNewDataDir: isNew,
      random,
    });
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
    const logger = jsonLogger((line) => process.stdout.write(line));
    const app = createApp({
      vcm,
      registry,
      limits,
      logger,
      clock: () => new Date(),
      sigv4Cache: new SigningKeyCache(),
      moduleTimeoutMs: options.moduleTimeoutMs,
    });
    handler = app.fetch;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    say(`${PRODUCT} ${VERSION} listening on ${url}  (data: ${dataDir}, engine: ${options.engine})`);
    for (const ks of registry.list()) {
      say(
        `  key store ${ks.name}: ${url}${ks.uriPathPrefix}/kms/xks/v1  module ${ks.module}, ${ks.region}, ${ks.accessKeyIds.length} credential(s)`,
      );
    }
    if (first) say(firstStartText(url, dataDir, first));
    logger.info('listening', { url, dataDir, engine: options.engine });
    const signal = await stopped;
    logger.info('stopping', { signal });
    await closeServer(server);
    await vcm.close();
    return 0;
  } catch (e) {
    await closeServer(server);
    await (vcm ? vcm.close() : store?.close())?.catch(() => undefined);
    throw e;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(MAIN_HELP);
      return 0;
    case 'help':
      process.stdout.write(rest[0] === 'serve' ? SERVE_HELP : MAIN_HELP);
      return 0;
    case 'version':
    case '--version':
    case '-v':
      process.stdout.write(`${PRODUCT} ${VERSION}\n`);
      return 0;
    case 'serve':
      return serve(rest);
    default:
      throw new UsageError(`unknown command '${command}'. Run 'xkslab --help' for the list`);
  }
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
      e instanceof StartupError
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
