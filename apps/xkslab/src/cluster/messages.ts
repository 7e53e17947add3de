/**
 * What the primary and its workers say to each other over the cluster IPC channel (node:cluster
 * with `serialization: 'advanced'`: structured clone, so byte arrays pass as they are). Requests
 * carry an `id` the answer repeats (`Pending`).
 */
import type { DefectName } from '@xkslab/protocol';
import type { AuditEntryInput } from '../audit/audit-entry.ts';
import type { RequestFaults } from '../faults/fault-plan.ts';
import type { ListenTls } from '../server.ts';
import type { XksLimits } from '../xks/limits.ts';
import type { XksOperation } from '../xks/route.ts';

/** One key store as a worker needs it to resolve a path and verify SigV4. */
export type KeyStoreCopy = {
  name: string;
  uriPathPrefix: string;
  region: string;
  module: string;
  credentials: Array<[accessKeyId: string, secretAccessKey: string]>;
};

/** An XKS call a worker received, validated and authenticated, for the primary to perform. */
export type WorkerCall = {
  keyStore: string;
  keyId: string;
  operation: XksOperation;
  request: unknown;
  /** The proxy time the worker verified the signature at (ms since the epoch). */
  now: number;
  /** The call's faults that act in the module (fault injection): absent, none. */
  faults?: ModuleFaults;
};

/** What of a call's faults the primary applies: the defect's module and the module delay. */
export type ModuleFaults = { defect: DefectName | undefined; moduleDelayMs: number };

/** A worker's view of the primary's fault plan: whether to ask for a request's faults. */
export type FaultView = { active: boolean; defect: DefectName | undefined };

/** The primary's answer to a call: the route's result, or the error and what to log about it. */
export type CallOutcome =
  | { ok: object }
  | { errorName: string; message: string; policyScope?: string; policyRule?: string };

/** One metrics observation of a worker (XksMetricsSink's two calls). */
export type Observation =
  | { operation: string; durationMs: number; errorName: string | undefined }
  | { operation: string; clientAbort: true };

/** What a worker is told once, before it listens. */
export type WorkerInit = {
  limits: XksLimits;
  moduleTimeoutMs: number;
  /** The port to share: the one the first worker bound, so a restarted worker gets the same. */
  port: number;
  tls?: Pick<ListenTls, 'serverOptions' | 'clientName'>;
};

export type ToWorker =
  | { t: 'batch'; messages: ToWorker[] }
  | { t: 'init'; init: WorkerInit }
  | { t: 'keystores'; id: number; stores: KeyStoreCopy[] }
  /** The fault plan changed (acknowledged, as key stores are). */
  | { t: 'faults'; id: number; view: FaultView }
  | { t: 'answer'; id: number; outcome?: CallOutcome }
  /** A request's faults as the primary decided them, and the plan as it is now. */
  | { t: 'decided'; id: number; faults: RequestFaults | undefined; view: FaultView };

export type ToPrimary =
  | { t: 'batch'; messages: ToPrimary[] }
  /** The worker listens for messages now (one sent before would be lost): send `init`. */
  | { t: 'hello' }
  | { t: 'listening'; address: { address: string; family: string; port: number } }
  | { t: 'listen-failed'; message: string }
  | { t: 'call'; id: number; call: WorkerCall }
  /** Decide one request's faults (sent only while the plan has rules). */
  | { t: 'decide'; id: number; keyStore: string; keyId: string; operation: XksOperation }
  | { t: 'audit'; id: number; entry: AuditEntryInput }
  | { t: 'observed'; observations: Observation[]; uses: Array<[string, number]> }
  | { t: 'ack'; id: number };

/** Requests waiting for their answer, by id. */
export class Pending<T> {
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (v: T) => void; reject: (e: Error) => void }>();

  /** A new id and the promise its answer settles. */
  open(): { id: number; answer: Promise<T> } {
    const id = this.#next++;
    const answer = new Promise<T>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    return { id, answer };
  }

  settle(id: number, value: T): void {
    this.#waiting.get(id)?.resolve(value);
    this.#waiting.delete(id);
  }

  /** Fails every request still waiting (the other side went away). */
  failAll(error: Error): void {
    for (const w of this.#waiting.values()) w.reject(error);
    this.#waiting.clear();
  }

  get size(): number {
    return this.#waiting.size;
  }
}

/**
 * Sends the messages of one event-loop turn as one `batch`: under load a turn serves several
 * requests, and each IPC message costs a serialization and a write on one side and a read and a
 * parse on the other.
 */
export class Batcher<T> {
  #queue: T[] = [];
  readonly #sendBatch: (batch: { t: 'batch'; messages: T[] }) => void;

  constructor(sendBatch: (batch: { t: 'batch'; messages: T[] }) => void) {
    this.#sendBatch = sendBatch;
  }

  push(message: T): void {
    this.#queue.push(message);
    if (this.#queue.length === 1) setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.#queue.length === 0) return;
    const messages = this.#queue;
    this.#queue = [];
    this.#sendBatch({ t: 'batch', messages });
  }
}
