import type { XksDeps } from '../route.ts';
import { authorizeStage } from './authorize.ts';
import { bodyStage } from './body.ts';
import type { XksContext, XksIncoming, XksStages } from './context.ts';
import { methodStage } from './method.ts';
import { quotaStage } from './quota.ts';
import { resolveStage } from './resolve.ts';
import { answerStage, refuseStage } from './respond.ts';
import { runStage } from './run.ts';
import { sigv4Stage } from './sigv4.ts';
import { validateStage } from './validate.ts';

/** The XKS request path as the spec has it: what every request goes through without fault rules. */
export function specStages(deps: XksDeps): XksStages {
  return {
    resolve: resolveStage(deps),
    method: methodStage,
    body: bodyStage,
    sigv4: sigv4Stage,
    quota: quotaStage,
    validate: validateStage,
    authorize: authorizeStage,
    run: runStage,
    answer: answerStage,
    refuse: refuseStage,
  };
}

/**
 * Runs the stages in order and returns the answer, or throws what a stage refused with. `onContext`
 * hands the resolved context to the caller (its error answer needs it).
 */
export async function runStages(
  stages: XksStages,
  incoming: XksIncoming,
  onContext: (ctx: XksContext) => void,
): Promise<Response> {
  const resolved = stages.resolve(incoming);
  // No await for a context resolved at once: every request would pay a microtask for it.
  const ctx = resolved instanceof Promise ? await resolved : resolved;
  onContext(ctx);
  const early = stages.method(ctx);
  if (early) return early;
  await stages.body(ctx);
  stages.sigv4(ctx);
  stages.quota(ctx);
  stages.validate(ctx);
  stages.authorize(ctx);
  const result = await stages.run(ctx);
  return stages.answer(ctx, result);
}
