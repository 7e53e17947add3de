import type { KeyStoreRegistry } from '../keystores/registry.ts';
import { describeError } from '../logger.ts';
import { toXksError } from '../xks/errors.ts';
import { authorizeStage } from '../xks/pipeline/authorize.ts';
import type { CallLog, XksCallContext } from '../xks/pipeline/context.ts';
import { quotaStage } from '../xks/pipeline/quota.ts';
import { noSuchPath, ROUTES_BY_OPERATION, specCrypto } from '../xks/pipeline/resolve.ts';
import { runStage } from '../xks/pipeline/run.ts';
import type { XksDeps } from '../xks/route.ts';
import type { CallOutcome, ToPrimary, ToWorker, WorkerCall } from './messages.ts';

/** What the primary performs calls with: the XKS deps over the real module and registry. */
export type CallOwner = { deps: XksDeps; registry: KeyStoreRegistry };

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
    const ctx: XksCallContext = {
      deps,
      route: ROUTES_BY_OPERATION[call.operation],
      keyStore,
      keyId: call.keyId,
      crypto: specCrypto(deps),
      now: new Date(call.now),
      request: call.request,
      log,
    };
    quotaStage(ctx);
    authorizeStage(ctx);
    return { ok: await runStage(ctx) };
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
  m: Extract<ToPrimary, { t: 'call' | 'audit' | 'observed' }>,
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
