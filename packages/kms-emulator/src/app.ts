/**
 * The emulator's HTTP application: `POST /` for the KMS JSON 1.1 protocol, `GET /metrics` for the
 * external key store metrics (Prometheus text, or JSON with `?format=json`), `GET /ping`.
 */
import { Hono } from 'hono';
import { KMS_MAX_BODY_BYTES } from './constants.ts';
import type { KmsEmulator } from './emulator.ts';
import type { KmsLogger } from './emulator-deps.ts';
import { KmsError, kmsErrorBody } from './errors.ts';
import { handleKmsRequest } from './kms-handler.ts';

export type KmsAppOptions = { logger?: KmsLogger };

async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) return undefined;
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      // Not cancel(): on Node that destroys the request and resets the connection before the
      // 413 goes out. The server reads and drops the rest after answering.
      reader.releaseLock();
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function createKmsApp(emulator: KmsEmulator, options: KmsAppOptions = {}): Hono {
  const app = new Hono();
  app.get('/ping', (c) => c.text('pong from the xkslab KMS emulator'));
  app.get('/metrics', (c) => {
    if (c.req.query('format') === 'json') return c.json(emulator.metricsSnapshot());
    return c.body(emulator.metricsText(), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    });
  });
  app.post('/', async (c) => {
    const body = await readCapped(c.req.raw, KMS_MAX_BODY_BYTES);
    if (!body) {
      const error = new KmsError('ValidationException', 'The request body is too large.');
      return c.body(kmsErrorBody(error), 413, { 'content-type': 'application/x-amz-json-1.1' });
    }
    const url = new URL(c.req.url);
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const res = await handleKmsRequest(
      emulator,
      { method: 'POST', path: url.pathname + url.search, headers, body },
      options.logger,
    );
    return c.body(res.body, res.status as 200, res.headers);
  });
  app.notFound((c) => {
    const error = new KmsError('UnknownOperationException', 'The KMS emulator serves POST / only.');
    return c.body(kmsErrorBody(error), 404, { 'content-type': 'application/x-amz-json-1.1' });
  });
  return app;
}
