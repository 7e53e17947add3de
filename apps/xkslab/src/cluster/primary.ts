/**
 * The primary of `serve --workers N`: forks N workers that share the XKS port (node:cluster,
 * round-robin), keeps their copies of the key stores and their view of the fault plan current,
 * decides their requests' faults, performs their calls, writes their audit entries and metrics,
 * restarts a worker that dies, and stops them all at shutdown.
 */
import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.ts';
import { ListenError, type ListenTls } from '../server.ts';
import { Batcher, type ToPrimary, type ToWorker, type WorkerInit } from './messages.ts';
import { type CallOwner, serveWorkerRequest } from './primary-calls.ts';
import { WorkerPush } from './push.ts';

/** A worker that lived shorter than this before it died is restarted after this delay. */
const RESTART_DELAY_MS = 1000;
/** How long stop() lets the workers finish their requests before it kills them. */
const STOP_TIMEOUT_MS = 5000;

export type WorkerGroup = {
  /** The shared XKS address, once the first worker listens (rejects if it cannot). */
  listening: Promise<AddressInfo>;
  /** Hands the workers the key stores and starts performing their calls. */
  serve(owner: CallOwner): Promise<void>;
  /** Stops every worker, letting their requests finish (up to STOP_TIMEOUT_MS). */
  stop(): Promise<void>;
};

const batches = new WeakMap<Worker, Batcher<ToWorker>>();

/** Sends `message` to `worker` with the others of this event-loop turn. */
function send(worker: Worker, message: ToWorker): void {
  let batch = batches.get(worker);
  if (!batch) {
    batch = new Batcher((b) => {
      if (worker.isConnected()) worker.send(b);
    });
    batches.set(worker, batch);
  }
  batch.push(message);
}

/** Forks `count` workers with `init`; each one listens at once and answers 503 until `serve`. */
export function startWorkers(count: number, init: WorkerInit, logger: Logger): WorkerGroup {
  cluster.setupPrimary({ serialization: 'advanced' });
  let owner: CallOwner | undefined;
  let stopping = false;
  /** A worker listens: from now on a worker that dies is restarted, not a failed start. */
  let up = false;
  const push = new WorkerPush(logger);
  let listened: (address: AddressInfo) => void = () => {};
  let failed: (e: Error) => void = () => {};
  const listening = new Promise<AddressInfo>((resolve, reject) => {
    listened = resolve;
    failed = reject;
  });
  void listening.catch(() => undefined);

  const onMessage = (worker: Worker, m: ToPrimary) => {
    switch (m.t) {
      case 'batch':
        for (const inner of m.messages) onMessage(worker, inner);
        return;
      case 'hello':
        send(worker, { t: 'init', init });
        if (owner) void push.all([worker], owner);
        return;
      case 'listening':
        // init.port stays as given: node:cluster shares one listening handle per address and
        // port as asked, so a restarted worker asking for port 0 gets the same port as the rest.
        up = true;
        logger.info('worker listening', { worker: worker.id, pid: worker.process.pid });
        listened(m.address as AddressInfo);
        return;
      case 'listen-failed':
        logger.error('worker could not listen', { worker: worker.id, cause: m.message });
        failed(new ListenError(m.message));
        return;
      case 'ack':
        push.acked(m.id);
        return;
      default:
        serveWorkerRequest(owner, m, (answer) => send(worker, answer));
    }
  };

  const fork = () => {
    if (stopping) return; // a restart that was due when the group began to stop
    const worker = cluster.fork();
    const startedAt = Date.now();
    const pid = worker.process.pid;
    logger.info('worker started', { worker: worker.id, pid });
    worker.on('message', (m: ToPrimary) => onMessage(worker, m));
    worker.once('exit', (code, signal) => {
      push.gone(worker);
      const fields = {
        worker: worker.id,
        pid,
        code: code ?? undefined,
        signal: signal ?? undefined,
      };
      if (stopping) return logger.info('worker exited', fields);
      logger.warn('worker exited', fields);
      if (!up) return failed(new ListenError(`worker ${worker.id} exited while starting`));
      const lived = Date.now() - startedAt;
      setTimeout(fork, lived < RESTART_DELAY_MS ? RESTART_DELAY_MS : 0).unref();
    });
  };
  for (let i = 0; i < count; i++) fork();

  return {
    listening,
    async serve(given) {
      owner = given;
      const { registry, faults } = given;
      registry.onChange(() => push.keyStores(liveWorkers(), registry));
      faults?.onChange(() => push.faults(liveWorkers(), faults));
      await push.all(liveWorkers(), given);
    },
    async stop() {
      stopping = true;
      const workers = liveWorkers();
      const exited = workers.map((w) => new Promise((r) => w.once('exit', r)));
      // A signal, not an IPC message: a worker still starting has no message listener yet, and
      // a signal stops it in any state (main.ts's handler, or the default before it is installed).
      for (const w of workers) w.process.kill('SIGTERM');
      const timer = setTimeout(() => {
        for (const w of liveWorkers()) w.process.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      await Promise.all(exited);
      clearTimeout(timer);
    },
  };
}

function liveWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter(
    (w): w is Worker => w !== undefined && !w.isDead(),
  );
}

/** What the primary knows of serve's plan that its workers need. */
export type WorkerPlan = {
  workers: number;
  port: number;
  moduleTimeoutMs: number;
  limits: WorkerInit['limits'];
  tls?: ListenTls | undefined;
};

/** Forks the workers and waits until they listen; stops them again if they cannot. */
export async function listenWithWorkers(
  plan: WorkerPlan,
  logger: Logger,
): Promise<{ group: WorkerGroup; address: AddressInfo }> {
  const { tls } = plan;
  const init: WorkerInit = {
    limits: plan.limits,
    moduleTimeoutMs: plan.moduleTimeoutMs,
    port: plan.port,
    ...(tls ? { tls: { serverOptions: tls.serverOptions, clientName: tls.clientName } } : {}),
  };
  const group = startWorkers(plan.workers, init, logger);
  try {
    return { group, address: await group.listening };
  } catch (e) {
    await group.stop();
    throw e;
  }
}
