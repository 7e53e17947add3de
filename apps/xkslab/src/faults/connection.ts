import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';

/** Waits `ms` milliseconds (an injected delay). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Destroys the client's connection without an answer (a 'drop' fault: the client sees a reset,
 * as when a network path dies). The returned Response never reaches anyone.
 */
export function dropConnection(c: Context): Response {
  (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket.destroy();
  return new Response(null, { status: 204 });
}
