import { XksError } from '../errors.ts';
import type { XksCallContext } from './context.ts';

/** Settles with `work`, or rejects with DependencyTimeoutException after `ms`. */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new XksError('DependencyTimeoutException', 'The key manager did not answer in time'),
        ),
      ms,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** The route's own work for this request, without the deadline. */
export function callRoute(ctx: XksCallContext): Promise<object> {
  const { route, keyStore, keyId, request, crypto } = ctx;
  return route.handle(ctx.deps, { keyStore, keyId, request, crypto });
}

/** Stage `run`: the operation, answered with DependencyTimeoutException past the module deadline. */
export function runStage(ctx: XksCallContext): Promise<object> {
  return withDeadline(callRoute(ctx), ctx.deps.moduleTimeoutMs);
}
