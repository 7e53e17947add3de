import type { XksOperationName } from '@xkslab/protocol';
import type { AuditSink } from '../audit/audit-log.ts';
import type { FaultSource, RequestFaults } from '../faults/fault-plan.ts';
import type { Logger } from '../logger.ts';
import type { XksMetricsSink } from '../xks/route.ts';
import {
  Batcher,
  type CallOutcome,
  type FaultView,
  type Observation,
  Pending,
  type ToPrimary,
  type ToWorker,
  type WorkerCall,
  type WorkerInit,
} from './messages.ts';
import { WorkerKeyStores } from './worker-keystores.ts';

type Decide = (
  keyStore: string,
  keyId: string,
  operation: XksOperationName,
) => Promise<RequestFaults | undefined>;

/**
 * The primary's fault plan as a worker's stages see it: whether rules exist and the defect in
 * force (pushed on every change and refreshed by every decision), and each request's faults
 * decided by the primary, so a counted or throttle rule counts once for all workers.
 */
class PrimaryFaults implements FaultSource {
  view: FaultView = { active: false, defect: undefined };
  readonly #decide: Decide;

  constructor(decide: Decide) {
    this.#decide = decide;
  }

  get active(): boolean {
    return this.view.active;
  }

  get defect(): FaultView['defect'] {
    return this.view.defect;
  }

  forRequest(keyStore: string, keyId: string, operation: XksOperationName) {
    return this.#decide(keyStore, keyId, operation);
  }
}

/**
 * A worker's side of the IPC channel to the primary: the start-up settings, the key stores (kept
 * current and acknowledged), calls and audit entries sent and answered, and metrics observations
 * and credential uses reported once per event-loop turn.
 */
export class PrimaryLink {
  readonly keyStores = new WorkerKeyStores();
  /** Resolves with the settings the primary sends first. */
  readonly init: Promise<WorkerInit>;
  #hasKeyStores = false;
  readonly #pending = new Pending<CallOutcome | undefined>();
  readonly #decisions = new Pending<RequestFaults | undefined>();
  /** The primary's fault plan, each request's faults decided there. */
  readonly faults = new PrimaryFaults((keyStore, keyId, operation) => {
    const { id, answer } = this.#decisions.open();
    this.send({ t: 'decide', id, keyStore, keyId, operation });
    return answer;
  });
  #observations: Observation[] = [];
  #reportScheduled = false;
  readonly #logger: Logger;
  readonly #batch = new Batcher<ToPrimary>((batch) => this.sendNow(batch));

  constructor(logger: Logger) {
    this.#logger = logger;
    let gotInit: (init: WorkerInit) => void = () => {};
    this.init = new Promise((resolve) => {
      gotInit = resolve;
    });
    const receive = (m: ToWorker): void => {
      if (m.t === 'batch') for (const inner of m.messages) receive(inner);
      else if (m.t === 'init') gotInit(m.init);
      else if (m.t === 'answer') this.#pending.settle(m.id, m.outcome);
      else if (m.t === 'decided') {
        this.faults.view = m.view;
        this.#decisions.settle(m.id, m.faults);
      } else if (m.t === 'faults') {
        this.faults.view = m.view;
        this.send({ t: 'ack', id: m.id });
      } else if (m.t === 'keystores') {
        this.keyStores.replace(m.stores);
        this.#hasKeyStores = true;
        this.send({ t: 'ack', id: m.id });
      }
    };
    process.on('message', receive);
    this.sendNow({ t: 'hello' });
  }

  /** True once the first copy of the key stores arrived: until then the worker answers 503. */
  get ready(): boolean {
    return this.#hasKeyStores;
  }

  /** Sends `message` with the others of this event-loop turn. */
  send(message: ToPrimary): void {
    this.#batch.push(message);
  }

  /** Sends `message` at once (start-up messages: the worker may exit right after). */
  sendNow(message: ToPrimary): void {
    try {
      process.send?.(message);
    } catch (e) {
      this.#logger.error('primary unreachable', { cause: e instanceof Error ? e.message : '' });
    }
  }

  /** Has the primary perform a call (quota, authorize, run) and resolves with its outcome. */
  readonly perform = async (call: WorkerCall): Promise<CallOutcome> => {
    const { id, answer } = this.#pending.open();
    this.send({ t: 'call', id, call });
    const outcome = await answer;
    return outcome ?? { errorName: 'InternalException', message: 'Internal error' };
  };

  /** The audit sink of a worker: the primary writes the entry, then this resolves. */
  readonly audit: AuditSink = {
    append: async (entry) => {
      const { id, answer } = this.#pending.open();
      this.send({ t: 'audit', id, entry });
      await answer;
    },
  };

  /** The metrics sink of a worker: observations go to the primary's /metrics. */
  readonly metrics: XksMetricsSink = {
    observe: (operation, durationMs, errorName) =>
      this.#report({ operation, durationMs, errorName }),
    clientAbort: (operation) => this.#report({ operation, clientAbort: true }),
  };

  #report(observation: Observation): void {
    this.#observations.push(observation);
    if (this.#reportScheduled) return;
    this.#reportScheduled = true;
    setImmediate(() => this.flushReports());
  }

  /** Sends the observations and credential uses gathered so far in one message. */
  flushReports(): void {
    this.#reportScheduled = false;
    const observations = this.#observations;
    this.#observations = [];
    const uses = this.keyStores.takeUses();
    if (observations.length || uses.length) this.send({ t: 'observed', observations, uses });
  }
}
