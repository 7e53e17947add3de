/**
 * A worker process of `serve --workers N`: the same binary, forked by the primary (primary.ts).
 * It listens on the shared XKS port and runs the XKS path up to validation; the primary performs
 * each call and writes its audit entry (worker-stages.ts, worker-link.ts).
 */
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import type { Vcm } from '@xkslab/vcm';
import {
  type LogFields,
  type Logger,
  type LogLevel,
  type LogOutput,
  serverLogger,
  warningsOnly,
} from '../logger.ts';
import {
  type AnyServer,
  type FetchHandler,
  type ListenerErrors,
  type ListenTls,
  startingAnswer,
} from '../server.ts';
import { xksApp } from '../wiring.ts';
import type { WorkerInit } from './messages.ts';
import { PrimaryLink } from './worker-link.ts';
import { workerRun, workerStages } from './worker-stages.ts';

/** The options of `serve` a worker reads itself (the rest comes from the primary). */
export type WorkerOptions = { host: string; logLevel: LogLevel; quiet: boolean };

/** What a worker takes from main.ts (a subset of serve's dependencies). */
export type WorkerHost = {
  io: LogOutput;
  listen: (
    fetch: FetchHandler,
    host: string,
    port: number,
    tls?: ListenTls,
    errors?: ListenerErrors,
  ) => Promise<{ server: AnyServer; address: AddressInfo }>;
  closeServer: (server: AnyServer) => Promise<void>;
  /** SIGINT or SIGTERM sent to this worker (by the primary's stop, or a user). */
  stopped: Promise<string>;
  clock: () => Date;
};

/**
 * The module lives in the primary: routes never run in a worker (its run stage is a call to the
 * primary), so nothing reads this; the stages only carry it.
 */
const MODULE_IN_PRIMARY = new Proxy(
  {},
  {
    get() {
      throw new Error('the module belongs to the primary process');
    },
  },
) as Vcm;

/** Every line of `logger` with `fields` added (the worker's id). */
function tagged(logger: Logger, fields: LogFields): Logger {
  return {
    debug: (msg, f) => logger.debug(msg, { ...fields, ...f }),
    info: (msg, f) => logger.info(msg, { ...fields, ...f }),
    warn: (msg, f) => logger.warn(msg, { ...fields, ...f }),
    error: (msg, f) => logger.error(msg, { ...fields, ...f }),
  };
}

function tlsOf(init: WorkerInit, logger: Logger): ListenTls | undefined {
  if (!init.tls) return undefined;
  return { ...init.tls, onRefused: (refusal) => logger.warn('tls refused', refusal) };
}

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** Runs one worker until SIGTERM or SIGINT; then lets its requests finish. */
export async function serveWorker(options: WorkerOptions, host: WorkerHost): Promise<number> {
  const logger = tagged(serverLogger(host.io, { level: options.logLevel }), {
    worker: cluster.worker?.id,
  });
  const requestLogger = options.quiet ? warningsOnly(logger) : logger;
  const link = new PrimaryLink(logger);
  // Without its primary a worker can do nothing right: it goes too.
  process.on('disconnect', () => process.exit(1));
  const init = await link.init;
  const app = xksApp({
    vcm: MODULE_IN_PRIMARY,
    registry: link.keyStores,
    limits: init.limits,
    logger: requestLogger,
    clock: host.clock,
    moduleTimeoutMs: init.moduleTimeoutMs,
    audit: link.audit,
    metrics: link.metrics,
    stages: (deps) => workerStages(deps, link.perform),
    // Fault rules live in the primary: it decides each request's faults while rules exist,
    // this worker applies those of the HTTP path, and the primary those of the module.
    faults: link.faults,
    faultedRun: (deps) => {
      const run = workerRun(deps, link.perform);
      return (ctx, f) => run(ctx, { defect: f.defect, moduleDelayMs: f.moduleDelayMs });
    },
  });
  const fetch: FetchHandler = (req, env) => (link.ready ? app.fetch(req, env) : startingAnswer());
  let bound: { server: AnyServer; address: AddressInfo };
  try {
    bound = await host.listen(fetch, options.host, init.port, tlsOf(init, logger));
  } catch (e) {
    link.sendNow({ t: 'listen-failed', message: e instanceof Error ? e.message : String(e) });
    return 1;
  }
  const { address, family, port } = bound.address;
  link.sendNow({ t: 'listening', address: { address, family, port } });
  // The primary stops its workers with SIGTERM (primary.ts), as a user may.
  await host.stopped;
  await host.closeServer(bound.server);
  link.flushReports();
  return 0;
}
