import type { FaultPlan } from '../faults/fault-plan.ts';
import { faultedCrypto } from '../faults/faulted-crypto.ts';
import { delayedCall } from '../faults/faulted-stages.ts';
import type { KeyStoreRegistry } from '../keystores/registry.ts';
import { describeError } from '../logger.ts';
import { toXksError } from '../xks/errors.ts';
import { authorizeStage } from '../xks/pipeline/authorize.ts';
import type { CallLog, XksCallContext } from '../xks/pipeline/context.ts';
import { quotaStage } from '../xks/pipeline/quota.ts';
import { noSuchPath, ROUTES_BY_OPERATION, specCrypto } from '../xks/pipeline/resolve.ts';
import { runStage } from '../xks/pipeline/run.ts';
import type { XksDeps } from '../xks/route.ts';
import type { CallOutcome, FaultView, ToPrimary, ToWorker, WorkerCall } from './messages.ts';

/**
 * What the primary performs calls with: the XKS deps over the real module and registry, and the
 * fault plan whose rules it decides for every worker's requests.
 */
export type CallOwner = { deps: XksDeps; registry: KeyStoreRegistry; faults?: FaultPlan };

/** What a worker needs to know of the fault plan between two requests. */
export function faultView(plan: FaultPlan | undefined): FaultView {
  return { active: plan?.active ?? false, defect: plan?.defect };
}

/**
 * Performs a call a worker received: the same quota, authorize and run stages a single process
 * runs, over the primary's live key store (its kill switch and its one quota), policies and
 * module. An error is answered with its wire name and safe message; an internal one is logged
 * here with its cause, which never leaves the primary.
 */
export async function performCall(owner: CallOwner, call: WorkerCall): Promise<CallOutcome> {
  const { deps } = owner;
  const log: CallLog = {};
  try {
    const keyStore = owner.registry.get(call.keyStore);
    if (!keyStore) throw noSuchPath();
    const { faults } = call;
    const ctx: XksCallContext = {
      deps,
      route: ROUTES_BY_OPERATION[call.operation],
      keyStore,
      keyId: call.keyId,
      // The spec's crypto unless the call's defect changes what the module computes.
      crypto: faultedCrypto(deps, specCrypto(deps), faults?.defect, call.operation),
      now: new Date(call.now),
      request: call.request,
      log,
    };
    quotaStage(ctx);
    authorizeStage(ctx);
    const delayMs = faults?.moduleDelayMs ?? 0;
    return { ok: await (delayMs > 0 ? delayedCall(ctx, delayMs) : runStage(ctx)) };
  } catch (e) {
    const error = toXksError(e);
    if (
      error.errorName === 'InternalException' ||
      error.errorName === 'DependencyTimeoutException'
    ) {
      deps.logger.error('xks internal error', {
        operation: call.operation,
        cause: error.cause === undefined ? undefined : describeError(error.cause),
      });
    }
    const { policyScope, policyRule } = log;
    return {
      errorName: error.errorName,
      message: error.message,
      ...(policyScope === undefined ? {} : { policyScope }),
      ...(policyRule === undefined ? {} : { policyRule }),
    };
  }
}

/**
 * Serves a worker's call, audit entry or report with `owner` (undefined while the primary is
 * still starting: workers answer 503 until then, so nothing is lost).
 */
export function serveWorkerRequest(
  owner: CallOwner | undefined,
  m: Extract<ToPrimary, { t: 'call' | 'decide' | 'audit' | 'observed' }>,
  answer: (message: ToWorker) => void,
): void {
  switch (m.t) {
    case 'call':
      if (!owner) {
        answer({ t: 'answer', id: m.id });
        return;
      }
      void performCall(owner, m.call).then((outcome) => answer({ t: 'answer', id: m.id, outcome }));
      return;
    case 'decide': {
      // One place decides for every worker: counted and throttle rules count once.
      const plan = owner?.faults;
      const faults = plan?.forRequest(m.keyStore, m.keyId, m.operation);
      answer({ t: 'decided', id: m.id, faults, view: faultView(plan) });
      return;
    }
    case 'audit':
      void (owner?.deps.audit?.append(m.entry) ?? Promise.resolve()).then(() =>
        answer({ t: 'answer', id: m.id }),
      );
      return;
    case 'observed':
      for (const o of m.observations) {
        if ('clientAbort' in o) owner?.deps.metrics?.clientAbort(o.operation);
        else owner?.deps.metrics?.observe(o.operation, o.durationMs, o.errorName);
      }
      for (const [id, at] of m.uses) owner?.registry.noteUse(id, new Date(at));
  }
}
