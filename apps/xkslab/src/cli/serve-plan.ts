/**
 * What `xkslab serve` works out from its options before it touches the data directory: the
 * limits, the seed, the loggers and the TLS settings. Everything that can fail on the user's
 * input fails here.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SeedDocument } from '@xkslab/kms-emulator';
import type { SeedFile } from '@xkslab/protocol';
import {
  type AddonLoader,
  type EngineChoice,
  type EngineSelection,
  isVcmError,
  selectEngine,
} from '@xkslab/vcm';
import { type Logger, serverLogger, warningsOnly } from '../logger.ts';
import { checkSeedModules } from '../seed.ts';
import type { ListenTls } from '../server.ts';
import { type DevTlsPlan, planDevTls } from '../tls/dev-tls.ts';
import { buildTlsSetup, loadTlsSetup } from '../tls/tls-config.ts';
import { UserFacingError } from '../user-facing-error.ts';
import { checkLimits, type XksLimits } from '../xks/limits.ts';
import type { CommandIo } from './command-io.ts';
import { UsageError } from './flags.ts';
import { readKmsSeed } from './kms-seed.ts';
import { loadSeedFile } from './seed-file.ts';
import type { ServeOptions } from './serve-options.ts';

/** What serve works out from its options before it touches the data directory. */
export type ServePlan = {
  options: ServeOptions;
  limits: XksLimits;
  seed: SeedFile | undefined;
  /** --kms-seed: what the emulator beside the proxy starts from when its state is empty. */
  kmsSeed: SeedDocument | undefined;
  dataDir: string;
  isNew: boolean;
  logger: Logger;
  /** --quiet: the request handlers (XKS, admin, KMS emulator) keep their warnings and errors only. */
  requestLogger: Logger;
  tls?: ListenTls | undefined;
  devTls?: DevTlsPlan | undefined;
  warnings: string[];
  /** The AES-GCM engine --engine came to (auto: native, or node with the reason). */
  engine: EngineSelection;
};

/** The engine for --engine. `native` asked for by name must load; `auto` falls back to node. */
function planEngine(choice: EngineChoice, loader: AddonLoader | undefined): EngineSelection {
  try {
    return selectEngine(choice, loader);
  } catch (e) {
    if (!isVcmError(e, 'NOT_SUPPORTED')) throw e;
    throw new UserFacingError(
      `${e.message}; use --engine node, or leave --engine out (auto falls back to node)`,
      { cause: e },
    );
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * HTTPS settings from --tls-cert/--tls-key (+ --mtls-ca/--mtls-subject) or --dev-tls; nothing for
 * plain HTTP. Only reads files: dev certificates made anew are written by `devTls.write()`.
 */
async function prepareTls(
  options: ServeOptions,
  dataDir: string,
  logger: Logger,
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

/**
 * Everything that can fail on the user's input fails here, before the data directory is touched:
 * the limits, the seed, its module references (for a new directory) and the TLS files.
 */
export async function planServe(
  options: ServeOptions,
  io: CommandIo,
  loadAesGcm?: AddonLoader,
): Promise<ServePlan> {
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
  const seed = options.seed ? await loadSeedFile(options.seed) : undefined;
  const kmsSeed = options.kmsSeed ? await readKmsSeed(options.kmsSeed) : undefined;
  const dataDir = resolve(options.dataDir);
  const isNew = !(await exists(join(dataDir, 'db')));
  if (seed && isNew) checkSeedModules(seed, new Set());
  const logger = serverLogger(io, { level: options.logLevel });
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
  const engine = planEngine(options.engine, loadAesGcm);
  const { tls, devTls, warnings } = await prepareTls(options, dataDir, logger);
  return {
    options,
    limits,
    seed,
    kmsSeed,
    dataDir,
    isNew,
    logger,
    requestLogger,
    tls,
    devTls,
    warnings,
    engine,
  };
}
