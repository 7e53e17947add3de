import type { XksErrorName } from '@xkslab/protocol';
import { XksError } from '../xks/errors.ts';
import type { XksContext, XksStages } from '../xks/pipeline/context.ts';
import { specStages } from '../xks/pipeline/pipeline.ts';
import { withDeadline } from '../xks/pipeline/run.ts';
import type { XksDeps } from '../xks/route.ts';
import type { CallOutcome, WorkerCall } from './messages.ts';

/**
 * How long past the module deadline a worker waits for the primary before it answers
 * DependencyTimeoutException itself: the primary applies the module deadline, this only covers
 * a primary that does not answer at all.
 */
const PRIMARY_GRACE_MS = 1000;

/** Sends a call to the primary and resolves with its outcome. */
export type Perform = (call: WorkerCall) => Promise<CallOutcome>;

/** The outcome of a call, as the stage returns or throws it. */
async function performed(ctx: XksContext, perform: Perform): Promise<object> {
  const outcome = await perform({
    keyStore: ctx.keyStore.name,
    keyId: ctx.keyId,
    operation: ctx.route.operation,
    request: ctx.request,
    now: ctx.now.getTime(),
  });
  if ('ok' in outcome) return outcome.ok;
  if (outcome.policyScope !== undefined && outcome.policyRule !== undefined) {
    ctx.log.policyScope = outcome.policyScope;
    ctx.log.policyRule = outcome.policyRule;
  }
  throw new XksError(outcome.errorName as XksErrorName, outcome.message);
}

/**
 * The stages of a worker process: the spec's up to validation (path, method, body, SigV4, JSON
 * and schema), then one call to the primary, which owns the module, the policies, the kill
 * switch and the quotas and runs quota, authorize and run in that order. A throttled request
 * that is also invalid is therefore refused as invalid here, where one process refuses it as
 * throttled: the quota is taken after validation.
 */
export function workerStages(deps: XksDeps, perform: Perform): XksStages {
  return {
    ...specStages(deps),
    quota: () => {},
    authorize: () => {},
    run: (ctx) => withDeadline(performed(ctx, perform), deps.moduleTimeoutMs + PRIMARY_GRACE_MS),
  };
}
