import type { XksErrorName } from '@xkslab/protocol';
import { XksError } from '../xks/errors.ts';
import type { XksContext, XksStages } from '../xks/pipeline/context.ts';
import { specStages } from '../xks/pipeline/pipeline.ts';
import { withDeadline } from '../xks/pipeline/run.ts';
import type { XksDeps } from '../xks/route.ts';
import type { CallOutcome, ModuleFaults, WorkerCall } from './messages.ts';

/**
 * How long past the module deadline a worker waits for the primary before it answers
 * DependencyTimeoutException itself: the primary applies the module deadline, this only covers
 * a primary that does not answer at all.
 */
const PRIMARY_GRACE_MS = 1000;

/** Sends a call to the primary and resolves with its outcome. */
export type Perform = (call: WorkerCall) => Promise<CallOutcome>;

/** The outcome of a call, as the stage returns or throws it. */
async function performed(
  ctx: XksContext,
  perform: Perform,
  faults: ModuleFaults | undefined,
): Promise<object> {
  const call: WorkerCall = {
    keyStore: ctx.keyStore.name,
    keyId: ctx.keyId,
    operation: ctx.route.operation,
    request: ctx.request,
    now: ctx.now.getTime(),
  };
  if (faults) call.faults = faults;
  const outcome = await perform(call);
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
    run: workerRun(deps, perform),
  };
}

/**
 * A worker's run stage: the call performed by the primary, with the faults that act in the
 * module when it has any (the primary applies the module delay within the module deadline, and
 * the defect's module).
 */
export function workerRun(
  deps: XksDeps,
  perform: Perform,
): (ctx: XksContext, faults?: ModuleFaults) => Promise<object> {
  return (ctx, faults) =>
    withDeadline(performed(ctx, perform, faults), deps.moduleTimeoutMs + PRIMARY_GRACE_MS);
}
