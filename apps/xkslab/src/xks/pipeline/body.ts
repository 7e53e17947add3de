import { XksError } from '../errors.ts';
import { readBodyCapped } from '../raw-request.ts';
import type { XksContext } from './context.ts';

/** Stage `body`: reads the whole body, refusing one over the limit before it is buffered. */
export async function bodyStage(ctx: XksContext): Promise<void> {
  const { maxBodyBytes } = ctx.deps.limits;
  const read = await readBodyCapped(ctx.http, maxBodyBytes);
  if (!read.ok) {
    throw new XksError(
      'UnsupportedOperationException',
      `Request body is larger than ${maxBodyBytes} bytes`,
    );
  }
  ctx.body = read.body;
}
