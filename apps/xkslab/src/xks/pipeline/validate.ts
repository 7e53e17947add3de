import { EXTERNAL_KEY_ID_PATTERN } from '@xkslab/protocol';
import type { z } from 'zod';
import { XksError } from '../errors.ts';
import type { XksContext } from './context.ts';

const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/;

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw new XksError('ValidationException', 'Request body is not valid JSON');
  }
}

function validationMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid request';
  const path = issue.path.length ? issue.path.join('.') : 'body';
  return `${path}: ${issue.message}`;
}

/**
 * Stage `validate`: Content-Type application/json, the external key id's pattern, JSON, then the
 * route's schema (unknown fields ignored). The request's kmsRequestId, kmsOperation and principal
 * go to the log.
 */
export function validateStage(ctx: XksContext): void {
  const contentType = String(ctx.raw.headers['content-type'] ?? '').toLowerCase();
  if (!JSON_CONTENT_TYPE.test(contentType)) {
    throw new XksError('ValidationException', 'Content-Type must be application/json');
  }
  if (ctx.keyId && !EXTERNAL_KEY_ID_PATTERN.test(ctx.keyId)) {
    throw new XksError(
      'ValidationException',
      'externalKeyId must be 1-128 characters of A-Z a-z 0-9 . _ -',
    );
  }
  ctx.json = parseJson(ctx.body);
  const parsed = ctx.route.schema.safeParse(ctx.json);
  if (!parsed.success) throw new XksError('ValidationException', validationMessage(parsed.error));
  ctx.request = parsed.data;
  const metadata = requestMetadataOf(ctx);
  ctx.log.kmsRequestId = metadata.kmsRequestId;
  ctx.log.kmsOperation = metadata.kmsOperation;
  if (typeof metadata.awsPrincipalArn === 'string') {
    ctx.log.awsPrincipalArn = metadata.awsPrincipalArn;
  }
}

/** requestMetadata of a validated request: every route's schema has one. */
export function requestMetadataOf(ctx: Pick<XksContext, 'request'>): {
  kmsRequestId: string;
  kmsOperation: string;
  awsPrincipalArn?: unknown;
} {
  return (ctx.request as { requestMetadata: ReturnType<typeof requestMetadataOf> }).requestMetadata;
}
