import {
  EXTERNAL_KEY_ID_PATTERN,
  type KeyMetadataRequestMetadata,
  XKS_SIGV4_SERVICE,
} from '@xkslab/protocol';
import { verifyRequest } from '@xkslab/sigv4';
import type { Context } from 'hono';
import type { z } from 'zod';
import { delay, dropConnection } from '../faults/connection.ts';
import {
  authWithDefect,
  errorWithDefect,
  jsonHeaders,
  jsonText,
  keyStoreForAnyPrefix,
  refuseByDefect,
  resultWithFaults,
} from '../faults/defects.ts';
import type { RequestFaults } from '../faults/fault-plan.ts';
import type { ActiveKeyStore } from '../keystores/registry.ts';
import { describeError } from '../logger.ts';
import { authorize } from './authorize.ts';
import { toXksError, XksError, xksErrorBody } from './errors.ts';
import { type RawRequest, rawRequestOf, readBodyCapped } from './raw-request.ts';
import type { XksDeps, XksOperation, XksRoute } from './route.ts';
import { decryptRoute } from './routes/decrypt.ts';
import { encryptRoute } from './routes/encrypt.ts';
import { healthRoute } from './routes/health.ts';
import { metadataRoute } from './routes/metadata.ts';

const KEY_ROUTES: Record<string, XksRoute> = {
  metadata: metadataRoute,
  encrypt: encryptRoute,
  decrypt: decryptRoute,
};

/** `<prefix>/kms/xks/v1/health` or `<prefix>/kms/xks/v1/keys/<externalKeyId>/<operation>`. */
const XKS_PATH = /^(.*)\/kms\/xks\/v1\/(?:health|keys\/([^/]*)\/(metadata|encrypt|decrypt))$/;

type Resolved = { route: XksRoute; keyStore: ActiveKeyStore; keyId: string };

/** Finds the key store and operation for a raw path, or throws InvalidUriPathException. */
function resolve(deps: XksDeps, path: string, headers: RawRequest['headers']): Resolved {
  const match = XKS_PATH.exec(path);
  const keyStore = match
    ? (deps.registry.byUriPathPrefix(match[1] ?? '') ??
      (deps.faults?.active ? keyStoreForAnyPrefix(deps.faults, deps.registry, headers) : undefined))
    : undefined;
  if (!match || !keyStore) {
    throw new XksError('InvalidUriPathException', 'No XKS API at this URI path');
  }
  const opName = match[3];
  if (opName === undefined) return { route: healthRoute, keyStore, keyId: '' };
  return { route: KEY_ROUTES[opName] as XksRoute, keyStore, keyId: match[2] ?? '' };
}

const AUTH_MESSAGES: Record<string, string> = {
  CLOCK_SKEW: 'Request time is more than 5 minutes from the proxy clock',
  WRONG_REGION: 'Credential scope region does not match this key store',
  WRONG_SERVICE: 'Credential scope service must be kms-xks-proxy',
  WRONG_SCOPE_DATE: 'Credential scope date does not match x-amz-date',
  MISSING_AUTHORIZATION: 'Missing Authorization header',
  MALFORMED_AUTHORIZATION: 'Malformed Authorization header',
  MISSING_DATE: 'Missing x-amz-date header',
  MALFORMED_DATE: 'Malformed x-amz-date header',
  HOST_NOT_SIGNED: 'The host header must be signed',
  DATE_NOT_SIGNED: 'The x-amz-date header must be signed',
  SIGNED_HEADER_MISSING: 'A signed header is missing from the request',
};
const SIGNATURE_MISMATCH_MESSAGE = 'Signature does not match any credential of this key store';

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
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

/** Log fields of one XKS call: never plaintext, key material, AAD, ciphertext or signatures. */
type CallLog = {
  operation?: XksOperation;
  keyStore?: string;
  keyId?: string;
  kmsRequestId?: string;
  kmsOperation?: string;
  accessKeyId?: string;
  /** requestMetadata.awsPrincipalArn (absent for health): the audit log's principal. */
  awsPrincipalArn?: string;
  authFailure?: string;
  /** The policy and rule that denied a call (secondary authorization). */
  policyScope?: string;
  policyRule?: string;
};

/**
 * Serves every XKS request: route by raw path, 405 for other methods, body cap, SigV4 against the
 * key store's live credentials, quota, JSON validation, then the operation. Errors map to the wire
 * in one place (errors.ts); each call writes one log line.
 */
export function xksHandler(deps: XksDeps) {
  return async (c: Context): Promise<Response> => {
    const started = performance.now();
    const raw = rawRequestOf(c);
    const log: CallLog = {};
    let status = 200;
    let errorName: string | undefined;
    // Fault injection (faults/): undefined unless a user switched rules on.
    let f: RequestFaults | undefined;
    try {
      const path = raw.target.split('?', 1)[0] ?? '';
      const { route, keyStore, keyId } = resolve(deps, path, raw.headers);
      log.operation = route.operation;
      log.keyStore = keyStore.name;
      if (keyId) log.keyId = keyId;
      f = deps.faults?.active
        ? deps.faults.forRequest(keyStore.name, keyId, route.operation)
        : undefined;
      if (f?.drop) return dropConnection(c);
      if (raw.method !== 'POST') {
        if (f?.defect === 'get-200') return c.body('{}', 200, jsonHeaders(undefined));
        status = 405;
        errorName = 'UnsupportedOperationException';
        c.header('allow', 'POST');
        return c.body(
          JSON.stringify({ errorName, errorMessage: `Method ${raw.method} not allowed; use POST` }),
          405,
          { 'content-type': 'application/json' },
        );
      }
      const read = await readBodyCapped(c, deps.limits.maxBodyBytes);
      if (!read.ok) {
        throw new XksError(
          'UnsupportedOperationException',
          `Request body is larger than ${deps.limits.maxBodyBytes} bytes`,
        );
      }
      const now = f?.clockOffsetMs
        ? new Date(deps.clock().getTime() + f.clockOffsetMs)
        : deps.clock();
      const verify = (maxSkewMs?: number) =>
        verifyRequest(
          { method: raw.method, path: raw.target, headers: raw.headers, body: read.body },
          {
            region: keyStore.region,
            service: XKS_SIGV4_SERVICE,
            now,
            resolveSecret: keyStore.secretFor,
            cache: deps.sigv4Cache,
            ...(deps.sigv4Hash === undefined ? {} : { hash: deps.sigv4Hash }),
            ...(maxSkewMs === undefined ? {} : { maxSkewMs }),
          },
        );
      const auth = f
        ? authWithDefect(f.defect, verify, raw.headers, keyStore.accessKeyIds[0])
        : verify();
      if (!auth.ok) {
        log.authFailure = auth.reason;
        throw new XksError(
          'AuthenticationFailedException',
          AUTH_MESSAGES[auth.reason] ?? SIGNATURE_MISMATCH_MESSAGE,
          { cause: auth.reason },
        );
      }
      log.accessKeyId = auth.accessKeyId;
      deps.registry.noteUse(auth.accessKeyId, now);
      if (!keyStore.admit(now.getTime()) || f?.throttled) {
        throw new XksError('ThrottlingException', 'Request rate is above this key store quota');
      }
      const contentType = String(raw.headers['content-type'] ?? '').toLowerCase();
      if (!/^application\/json\s*(;|$)/.test(contentType)) {
        throw new XksError('ValidationException', 'Content-Type must be application/json');
      }
      if (keyId && !EXTERNAL_KEY_ID_PATTERN.test(keyId)) {
        throw new XksError(
          'ValidationException',
          'externalKeyId must be 1-128 characters of A-Z a-z 0-9 . _ -',
        );
      }
      const json = parseJson(read.body);
      const parsed = route.schema.safeParse(json);
      if (!parsed.success)
        throw new XksError('ValidationException', validationMessage(parsed.error));
      if (f?.defect) refuseByDefect(f.defect, json);
      const metadata = (
        parsed.data as { requestMetadata: { kmsRequestId: string; kmsOperation: string } }
      ).requestMetadata;
      log.kmsRequestId = metadata.kmsRequestId;
      log.kmsOperation = metadata.kmsOperation;
      const principal = (metadata as { awsPrincipalArn?: unknown }).awsPrincipalArn;
      if (typeof principal === 'string') log.awsPrincipalArn = principal;
      if (route.operation !== 'GetHealthStatus') {
        // A blocked key store (the kill switch) refuses everything but health.
        if (keyStore.blocked) {
          throw new XksError('InvalidStateException', 'This key store is blocked');
        }
        authorize(
          deps.policies,
          { keyStore, keyId, metadata: metadata as KeyMetadataRequestMetadata },
          (denial) => Object.assign(log, denial),
        );
      }
      if (f?.error) throw new XksError(f.error, 'Injected by a fault rule');
      const call = { keyStore, keyId, request: parsed.data, ...(f ? { faults: f } : {}) };
      const result = await withDeadline(
        f?.moduleDelayMs
          ? delay(f.moduleDelayMs).then(() => route.handle(deps, call))
          : route.handle(deps, call),
        deps.moduleTimeoutMs,
      );
      if (f) {
        if (f.responseDelayMs) await delay(f.responseDelayMs);
        return c.body(jsonText(f.defect, resultWithFaults(f, result)), 200, jsonHeaders(f.defect));
      }
      return c.body(JSON.stringify(result), 200, { 'content-type': 'application/json' });
    } catch (e) {
      const error = toXksError(e);
      const wire = xksErrorBody(error);
      status = wire.status;
      errorName = error.errorName;
      if (
        error.errorName === 'InternalException' ||
        error.errorName === 'DependencyTimeoutException'
      ) {
        deps.logger.error('xks internal error', {
          operation: log.operation,
          cause: error.cause === undefined ? undefined : describeError(error.cause),
        });
      }
      if (deps.faults?.active) {
        if (f?.responseDelayMs) await delay(f.responseDelayMs);
        const out = errorWithDefect(f?.defect ?? deps.faults.defect, error.errorName, wire);
        status = out.status;
        return c.body(out.body, out.status as 400, out.headers);
      }
      return c.body(wire.body, wire.status as 400, { 'content-type': 'application/json' });
    } finally {
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      deps.logger.info('xks', { ...log, status, errorName, durationMs });
      deps.metrics?.observe(log.operation ?? 'UnknownPath', durationMs, errorName);
      deps.audit?.append({
        operation: log.operation ?? 'UnknownPath',
        result: errorName ?? 'ok',
        principal: log.awsPrincipalArn,
        kmsRequestId: log.kmsRequestId,
        kmsOperation: log.kmsOperation,
        keyStore: log.keyStore,
        keyId: log.keyId,
        accessKeyId: log.accessKeyId,
        durationMs,
      });
    }
  };
}
