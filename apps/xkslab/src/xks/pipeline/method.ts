import type { EarlyAnswer, XksContext } from './context.ts';

/** Stage `method`: every XKS API is POST; anything else is 405 with `Allow: POST` (spec §1.1). */
export function methodStage(ctx: XksContext): EarlyAnswer {
  const { method } = ctx.raw;
  if (method === 'POST') return undefined;
  ctx.http.header('allow', 'POST');
  return ctx.http.body(
    JSON.stringify({
      errorName: 'UnsupportedOperationException',
      errorMessage: `Method ${method} not allowed; use POST`,
    }),
    405,
    { 'content-type': 'application/json' },
  );
}
