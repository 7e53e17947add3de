import type { Context } from 'hono';
import type { XksError } from '../errors.ts';
import type { XksContext } from './context.ts';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Stage `answer`: the result as compact JSON, 200. */
export function answerStage(ctx: XksContext, result: object): Response {
  return ctx.http.body(JSON.stringify(result), 200, JSON_HEADERS);
}

/** Stage `refuse`: the error's compact JSON body and its spec status (errors.ts). */
export function refuseStage(
  http: Context,
  _ctx: XksContext | undefined,
  _error: XksError,
  wire: { status: number; body: string },
): Response {
  return http.body(wire.body, wire.status as 400, JSON_HEADERS);
}
