import { XksError } from '../errors.ts';
import type { XksCallContext } from './context.ts';

export function quotaThrottled(): XksError {
  return new XksError('ThrottlingException', 'Request rate is above this key store quota');
}

/** Stage `quota`: one token of the key store's request quota, or ThrottlingException. */
export function quotaStage(ctx: XksCallContext): void {
  if (!ctx.keyStore.admit(ctx.now.getTime())) throw quotaThrottled();
}
