import type { z } from 'zod';
import type { CallContext, Core } from './core.ts';

/** One KMS action: its request schema and what it does with a validated request. */
export type Action<S extends z.ZodType = z.ZodType> = {
  schema: S;
  handle(core: Core, input: z.infer<S>, call: CallContext): Promise<object>;
};

export function defineAction<S extends z.ZodType>(action: Action<S>): Action<S> {
  return action;
}
