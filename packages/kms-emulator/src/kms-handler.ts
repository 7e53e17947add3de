/**
 * One KMS JSON 1.1 request, from bytes to bytes: SigV4, `X-Amz-Target`, content type, JSON, the
 * action, and errors in the AWS JSON shape (`__type`, `message`) with their HTTP status, so the AWS
 * SDKs raise their typed exceptions. Each request writes one log line (never data or secrets).
 */
import type { HttpRequestParts } from '@xkslab/sigv4';
import { KMS_CONTENT_TYPE, KMS_TARGET_PREFIX } from './constants.ts';
import type { KmsEmulator } from './emulator.ts';
import type { KmsLogger } from './emulator-deps.ts';
import { KmsError, kmsErrorBody, toKmsError } from './errors.ts';
import { subjectOf } from './recent-calls.ts';

export type KmsHttpResponse = {
  status: number;
  headers: Record<string, string>;
  body: string;
};

const decoder = new TextDecoder();

function headerOf(req: HttpRequestParts, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

function parseBody(body: Uint8Array): unknown {
  const text = decoder.decode(body).trim();
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  } catch {
    // answered below
  }
  throw new KmsError('SerializationException', 'The request body is not a JSON object.');
}

export async function handleKmsRequest(
  emulator: KmsEmulator,
  req: HttpRequestParts,
  logger?: KmsLogger,
): Promise<KmsHttpResponse> {
  const started = performance.now();
  const requestId = emulator.newRequestId();
  const target = headerOf(req, 'x-amz-target') ?? '';
  const action = target.startsWith(KMS_TARGET_PREFIX)
    ? target.slice(KMS_TARGET_PREFIX.length)
    : undefined;
  const headers = { 'content-type': KMS_CONTENT_TYPE, 'x-amzn-requestid': requestId };
  let accessKeyId: string | undefined;
  let status = 200;
  let errorName: string | undefined;
  let errorMessage: string | undefined;
  let request: unknown;
  let answer: unknown;
  try {
    const principal = emulator.authenticate(req);
    accessKeyId = principal.accessKeyId;
    if (action === undefined) {
      throw new KmsError(
        'UnknownOperationException',
        'X-Amz-Target must be TrentService.<Action>.',
      );
    }
    const contentType = (headerOf(req, 'content-type') ?? '').toLowerCase();
    if (!contentType.startsWith(KMS_CONTENT_TYPE)) {
      throw new KmsError('SerializationException', `Content-Type must be ${KMS_CONTENT_TYPE}.`);
    }
    request = parseBody(req.body);
    const result = await emulator.call(action, request, { requestId, principal });
    answer = result;
    return { status, headers, body: JSON.stringify(result) };
  } catch (e) {
    const error = toKmsError(e);
    status = error.status;
    errorName = error.errorName;
    errorMessage = error.message;
    if (error.errorName === 'KMSInternalException') {
      logger?.error('kms internal error', {
        requestId,
        action,
        cause:
          error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined,
      });
    }
    return {
      status,
      headers: { ...headers, 'x-amzn-errortype': error.errorName },
      body: kmsErrorBody(error),
    };
  } finally {
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    logger?.info('kms', { requestId, action, accessKeyId, status, errorName, durationMs });
    emulator.recordCall({
      requestId,
      operation: action ?? target,
      ...subjectOf(request, answer),
      outcome: errorName ?? 'ok',
      ...(errorMessage === undefined ? {} : { errorMessage }),
      durationMs,
    });
  }
}
