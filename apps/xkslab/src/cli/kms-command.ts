/**
 * `xkslab kms` (the AWS KMS emulator alone) and the emulator beside the proxy for
 * `xkslab serve --kms-port`. Listening, signals and the environment come from main.ts.
 */

import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import {
  type KmsCallRecord,
  type KmsStateView,
  type SeedDocument,
  StateFileError,
} from '@xkslab/kms-emulator';
import type { ConnectionLimits } from '../connection-limits.ts';
import { createKmsRuntime, DEFAULT_KMS_SETTINGS, kmsBannerText } from '../kms/kms-runtime.ts';
import { fileStateStorage, loadKmsMasterKey } from '../kms/state-file.ts';
import { type Logger, serverLogger } from '../logger.ts';
import type { AnyServer, FetchHandler, ListenerErrors, ListenTls } from '../server.ts';
import { CommandError, type CommandIo, errorCode } from './command-io.ts';
import { connectionLimitsOf } from './connection-flags.ts';
import { KMS_HELP, parseKmsArgs } from './kms-options.ts';
import { applyKmsSeed, readKmsSeed } from './kms-seed.ts';

/** The file, inside a data directory, where `serve --kms-port` keeps the emulator state. */
export const KMS_STATE_FILE = 'kms-emulator-state.json';

export type KmsListen = (
  fetch: FetchHandler,
  host: string,
  port: number,
  tls: ListenTls | undefined,
  errors: ListenerErrors,
  limits?: ConnectionLimits,
) => Promise<{ server: AnyServer; address: AddressInfo }>;

export type KmsCommandDeps = {
  io: CommandIo;
  listen: KmsListen;
  closeServer: (server: AnyServer) => Promise<void>;
  /** Resolves with the signal name on SIGINT or SIGTERM. */
  stopped: Promise<string>;
  /** XKSLAB_KMS_MASTER_KEY, when set. */
  masterKeyFromEnv: string | undefined;
  clock: () => Date;
  random: (n: number) => Uint8Array;
};

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

async function readPem(file: string | undefined, what: string): Promise<string | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new CommandError(`cannot read the ${what} ${file} (${errorCode(e)})`, { cause: e });
  }
}

async function withStateErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof StateFileError) throw new CommandError(e.message, { cause: e });
    throw e;
  }
}

/**
 * Listens for the emulator's app on `where`, says its banner, and starts its health polling of
 * the key stores: the start of `xkslab kms` and of `serve --kms-port` alike.
 */
async function listenKms(
  runtime: Awaited<ReturnType<typeof createKmsRuntime>>,
  listen: KmsListen,
  where: { host: string; port: number },
  say: (text: string) => void,
  extra: { limits?: ConnectionLimits } = {},
): Promise<{ server: AnyServer; url: string }> {
  const { server, address } = await listen(
    runtime.app.fetch,
    where.host,
    where.port,
    undefined,
    'kms',
    extra.limits,
  );
  const url = urlOf(address);
  say(kmsBannerText(url, runtime.emulator));
  runtime.emulator.startHealthPolling();
  return { server, url };
}

export async function kmsCommand(args: readonly string[], deps: KmsCommandDeps): Promise<number> {
  const options = parseKmsArgs(args);
  if (options.help) {
    deps.io.stdout(KMS_HELP);
    return 0;
  }
  const ca = await readPem(options.ca, 'CA certificate');
  const clientCert = await readPem(options.clientCert, 'client certificate');
  const clientKey = await readPem(options.clientKey, 'client key');
  const logger = serverLogger(deps.io);
  const seed = options.seed === undefined ? undefined : await readKmsSeed(options.seed);
  let persistence: Parameters<typeof createKmsRuntime>[1]['persistence'];
  if (options.state !== undefined) {
    const file = resolve(options.state);
    persistence = {
      storage: fileStateStorage(file),
      masterKey: await loadKmsMasterKey({
        keyFile: `${file}.key`,
        fromEnv: deps.masterKeyFromEnv,
        random: deps.random,
      }),
    };
  }
  const runtime = await withStateErrors(
    createKmsRuntime(
      {
        region: options.region,
        accountId: options.accountId,
        accessKeyId: options.accessKeyId,
        secretAccessKey: options.secretAccessKey,
        principalArn: options.principalArn,
        viaService: options.viaService,
        connectDelayMs: options.connectDelayMs,
        healthIntervalMs: options.healthIntervalMs,
        xksTimeoutMs: options.xksTimeoutMs,
        quota: options.quota,
      },
      { logger, clock: deps.clock, random: deps.random, ca, clientCert, clientKey, persistence },
    ),
  );
  if (seed) await applyKmsSeed(runtime.emulator, seed, logger);
  const { server, url } = await listenKms(runtime, deps.listen, options, deps.io.stderr, {
    limits: connectionLimitsOf(options),
  });
  logger.info('listening', { url, service: 'kms', state: options.state });
  const signal = await deps.stopped;
  logger.info('stopping', { signal });
  await deps.closeServer(server);
  await runtime.emulator.stop();
  return 0;
}

/** The emulator of `serve --kms-port`: defaults, state in the data directory, same master key. */
export async function startKmsBeside(options: {
  host: string;
  port: number;
  dataDir: string;
  masterKey: Uint8Array;
  /** --kms-seed, applied when the state is empty (as `xkslab kms --seed`). */
  seed?: SeedDocument | undefined;
  logger: Logger;
  /** What the emulator's request handling logs to (serve --quiet); default `logger`. */
  requestLogger?: Logger;
  listen: KmsListen;
  closeServer: (server: AnyServer) => Promise<void>;
  say: (text: string) => void;
  clock: () => Date;
  random: (n: number) => Uint8Array;
}): Promise<{
  url: string;
  /** Read-only: the state and the newest calls, for the dashboard's KMS page. */
  view(): KmsStateView;
  recentCalls(): KmsCallRecord[];
  close(): Promise<void>;
}> {
  const runtime = await withStateErrors(
    createKmsRuntime(DEFAULT_KMS_SETTINGS, {
      logger: options.requestLogger ?? options.logger,
      clock: options.clock,
      random: options.random,
      persistence: {
        storage: fileStateStorage(join(options.dataDir, KMS_STATE_FILE)),
        masterKey: options.masterKey,
      },
    }),
  );
  if (options.seed) await applyKmsSeed(runtime.emulator, options.seed, options.logger);
  const { server, url } = await listenKms(runtime, options.listen, options, options.say);
  options.logger.info('kms listening', { kmsUrl: url });
  const { emulator } = runtime;
  return {
    url,
    view: () => emulator.view(),
    recentCalls: () => emulator.recentCalls(),
    async close() {
      await options.closeServer(server);
      await emulator.stop();
    },
  };
}
