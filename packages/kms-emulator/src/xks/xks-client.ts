/**
 * Calls an XKS proxy exactly as AWS KMS does: SigV4 over `host;x-amz-date` with service
 * `kms-xks-proxy` and the key store's Region (§2.1); the requestMetadata KMS sends (§1.2); a CDIV
 * asked for on every encrypt and recomputed (§1.8); a 250 ms deadline, retried once on a network
 * timeout and on nothing else (§5); every response checked against the spec before use. Failures
 * come back as values (XksFailure); what the KMS caller sees is decided in error-mapping.ts.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import {
  computeCdiv,
  DecryptResponse,
  decodeBase64,
  EncryptResponse,
  encodeBase64,
  GetHealthStatusResponse,
  GetKeyMetadataResponse,
  isXksErrorName,
  XKS_ERRORS,
  XKS_SIGV4_SERVICE,
} from '@xkslab/protocol';
import { type SigningKeyCache, signRequest } from '@xkslab/sigv4';
import type { z } from 'zod';
import { XKS_TIMEOUT_MS, XKS_TIMEOUT_RETRIES } from '../constants.ts';
import type { ErrorType, KmsMetrics, XksOperationName } from '../metrics.ts';
import type { XksProxySettings } from '../model.ts';
import { type XksTransport, XksTransportError } from './transport.ts';

/** Why a proxy call did not give a usable answer. */
export type XksFailure =
  | { kind: 'proxy-error'; errorName: keyof typeof XKS_ERRORS; errorMessage?: string | undefined }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; detail: string }
  | { kind: 'tls'; detail: string }
  /** `detail` is ours and goes to the caller; `logDetail` describes the answer, for the log only. */
  | { kind: 'invalid-response'; detail: string; logDetail?: string | undefined }
  | { kind: 'integrity'; detail: string };

export type XksOutcome<T> = { ok: true; value: T } | { ok: false; failure: XksFailure };

/** The key store a call goes to. */
export type XksTarget = { keyStoreId: string; region: string; proxy: XksProxySettings };

/** What every call carries from the KMS request that caused it. */
export type XksCallContext = { kmsOperation: string; kmsRequestId: string };
export type XksKeyCallContext = XksCallContext & {
  awsPrincipalArn: string;
  kmsViaService?: string | undefined;
};
export type XksCryptoCallContext = XksKeyCallContext & { kmsKeyArn: string };

/** One proxy call as the emulator saw it (no data, no secrets): for logs and the demo's trail. */
export type XksCallRecord = {
  keyStoreId: string;
  xksOperation: XksOperationName;
  kmsOperation: string;
  kmsRequestId: string;
  externalKeyId?: string | undefined;
  attempts: number;
  status?: number | undefined;
  outcome: 'ok' | XksFailure['kind'];
  errorName?: string | undefined;
  /** What was wrong with the answer (never in a KMS error: it would read the answer back). */
  detail?: string | undefined;
  latencyMs: number;
};

export type XksClientDeps = {
  transport: XksTransport;
  clock: () => Date;
  /** Monotonic milliseconds for latency (performance.now by default). */
  monotonic?: () => number;
  metrics: KmsMetrics;
  timeoutMs?: number;
  sigv4Cache?: SigningKeyCache;
  onCall?: (record: XksCallRecord) => void;
};

export type EncryptResult = {
  ciphertext: Uint8Array;
  iv: Uint8Array;
  tag: Uint8Array;
  ciphertextMetadata: Uint8Array;
};

export type DecryptInput = {
  ciphertext: Uint8Array;
  iv: Uint8Array;
  tag: Uint8Array;
  aad: Uint8Array;
  ciphertextMetadata: Uint8Array;
};

/** Exception names for failures that are not a proxy error body, in XksProxyErrors. */
const FAILURE_EXCEPTION_NAMES = {
  timeout: 'NetworkTimeout',
  unreachable: 'NetworkUnreachable',
  tls: 'TlsHandshakeFailure',
  'invalid-response': 'InvalidResponse',
  integrity: 'IntegrityCheckFailed',
} as const;

export function failureExceptionName(failure: XksFailure): string {
  return failure.kind === 'proxy-error' ? failure.errorName : FAILURE_EXCEPTION_NAMES[failure.kind];
}

/** §1.7/§5: retryable errors lower KMS's reliability graph; non-retryable ones do not. */
export function failureErrorType(failure: XksFailure): ErrorType {
  switch (failure.kind) {
    case 'proxy-error':
      return XKS_ERRORS[failure.errorName].retryable ? 'Retryable' : 'Non-retryable';
    case 'timeout':
    case 'unreachable':
      return 'Retryable';
    default:
      return 'Non-retryable';
  }
}

/** The caller's reason for an answer that does not match the XKS schema. */
const MALFORMED_ANSWER = 'malformed answer';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(body));
  } catch {
    return undefined;
  }
}

function issueOf(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid response';
}

function b64(text: string | undefined): Uint8Array {
  if (text === undefined || text === '') return new Uint8Array(0);
  const decoded = decodeBase64(text, Number.MAX_SAFE_INTEGER);
  return decoded.ok ? decoded.bytes : new Uint8Array(0);
}

export class XksClient {
  readonly #deps: XksClientDeps;
  readonly #timeoutMs: number;
  readonly #monotonic: () => number;

  constructor(deps: XksClientDeps) {
    this.#deps = deps;
    this.#timeoutMs = deps.timeoutMs ?? XKS_TIMEOUT_MS;
    this.#monotonic = deps.monotonic ?? (() => performance.now());
  }

  /** §1.6 GetHealthStatus. */
  health(target: XksTarget, ctx: XksCallContext): Promise<XksOutcome<GetHealthStatusResponse>> {
    return this.#call(
      target,
      'GetHealthStatus',
      '/health',
      undefined,
      ctx,
      GetHealthStatusResponse,
      {
        requestMetadata: { kmsRequestId: ctx.kmsRequestId, kmsOperation: ctx.kmsOperation },
      },
    );
  }

  /** §1.3 GetKeyMetadata (kmsKeyArn is not sent since spec v1.0.3). */
  keyMetadata(
    target: XksTarget,
    externalKeyId: string,
    ctx: XksKeyCallContext,
  ): Promise<XksOutcome<GetKeyMetadataResponse>> {
    return this.#call(
      target,
      'GetKeyMetadata',
      `/keys/${externalKeyId}/metadata`,
      externalKeyId,
      ctx,
      GetKeyMetadataResponse,
      {
        requestMetadata: {
          awsPrincipalArn: ctx.awsPrincipalArn,
          kmsOperation: ctx.kmsOperation,
          kmsRequestId: ctx.kmsRequestId,
        },
      },
    );
  }

  /** §1.4 Encrypt with a CDIV asked for and verified (§1.8), ciphertextMetadata ≤ 20 bytes. */
  async encrypt(
    target: XksTarget,
    externalKeyId: string,
    input: { plaintext: Uint8Array; aad: Uint8Array },
    ctx: XksCryptoCallContext,
  ): Promise<XksOutcome<EncryptResult>> {
    const outcome = await this.#call<typeof EncryptResponse, EncryptResult>(
      target,
      'Encrypt',
      `/keys/${externalKeyId}/encrypt`,
      externalKeyId,
      ctx,
      EncryptResponse,
      {
        requestMetadata: cryptoMetadata(ctx),
        plaintext: encodeBase64(input.plaintext),
        encryptionAlgorithm: 'AES_GCM',
        additionalAuthenticatedData: encodeBase64(input.aad),
        ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
      },
      (body) => {
        const result: EncryptResult = {
          ciphertext: b64(body.ciphertext),
          iv: b64(body.initializationVector),
          tag: b64(body.authenticationTag),
          ciphertextMetadata: b64(body.ciphertextMetadata),
        };
        if (result.ciphertext.length !== input.plaintext.length) {
          return { kind: 'invalid-response', detail: 'ciphertext length differs from plaintext' };
        }
        if (body.ciphertextDataIntegrityValue === undefined) {
          return { kind: 'invalid-response', detail: 'ciphertextDataIntegrityValue is missing' };
        }
        const expected = computeCdiv({
          aad: input.aad,
          ciphertextMetadata: result.ciphertextMetadata,
          iv: result.iv,
          ciphertext: result.ciphertext,
          tag: result.tag,
        });
        if (!equalBytes(expected, b64(body.ciphertextDataIntegrityValue))) {
          return { kind: 'integrity', detail: 'ciphertextDataIntegrityValue does not match' };
        }
        return result;
      },
    );
    return outcome;
  }

  /** §1.5 Decrypt. */
  decrypt(
    target: XksTarget,
    externalKeyId: string,
    input: DecryptInput,
    ctx: XksCryptoCallContext,
  ): Promise<XksOutcome<Uint8Array>> {
    return this.#call<typeof DecryptResponse, Uint8Array>(
      target,
      'Decrypt',
      `/keys/${externalKeyId}/decrypt`,
      externalKeyId,
      ctx,
      DecryptResponse,
      {
        requestMetadata: cryptoMetadata(ctx),
        ciphertext: encodeBase64(input.ciphertext),
        encryptionAlgorithm: 'AES_GCM',
        initializationVector: encodeBase64(input.iv),
        authenticationTag: encodeBase64(input.tag),
        additionalAuthenticatedData: encodeBase64(input.aad),
        ...(input.ciphertextMetadata.length > 0
          ? { ciphertextMetadata: encodeBase64(input.ciphertextMetadata) }
          : {}),
      },
      (body) => {
        const plaintext = b64(body.plaintext);
        if (plaintext.length !== input.ciphertext.length) {
          return { kind: 'invalid-response', detail: 'plaintext length differs from ciphertext' };
        }
        return plaintext;
      },
    );
  }

  async #call<S extends z.ZodType, T = z.infer<S>>(
    target: XksTarget,
    xksOperation: XksOperationName,
    suffix: string,
    externalKeyId: string | undefined,
    ctx: XksCallContext,
    schema: S,
    request: object,
    check?: (body: z.infer<S>) => T | XksFailure,
  ): Promise<XksOutcome<T>> {
    const url = `${target.proxy.uriEndpoint}${target.proxy.uriPath}${suffix}`;
    const body = encoder.encode(JSON.stringify(request));
    const started = this.#monotonic();
    let attempts = 0;
    let status: number | undefined;
    let outcome: XksOutcome<T>;
    for (;;) {
      attempts += 1;
      const sent = await this.#send(target, url, body);
      if (sent.ok) {
        status = sent.status;
        outcome = this.#interpret(sent.status, sent.body, schema, check);
        break;
      }
      if (sent.failure.kind === 'timeout' && attempts <= XKS_TIMEOUT_RETRIES) continue;
      outcome = sent;
      break;
    }
    // §5: recorded latency is capped at the deadline (a retried timeout shows ~2x of it).
    const latencyMs = Math.min(this.#monotonic() - started, this.#timeoutMs * attempts);
    const { metrics, onCall } = this.#deps;
    metrics.recordLatency(target.keyStoreId, ctx.kmsOperation, xksOperation, latencyMs);
    if (!outcome.ok) {
      metrics.recordError(
        target.keyStoreId,
        ctx.kmsOperation,
        xksOperation,
        failureErrorType(outcome.failure),
        failureExceptionName(outcome.failure),
      );
    }
    onCall?.({
      keyStoreId: target.keyStoreId,
      xksOperation,
      kmsOperation: ctx.kmsOperation,
      kmsRequestId: ctx.kmsRequestId,
      externalKeyId,
      attempts,
      status,
      outcome: outcome.ok ? 'ok' : outcome.failure.kind,
      errorName: outcome.ok ? undefined : failureExceptionName(outcome.failure),
      detail: outcome.ok ? undefined : logDetailOf(outcome.failure),
      latencyMs: Math.round(latencyMs * 100) / 100,
    });
    return outcome;
  }

  async #send(
    target: XksTarget,
    url: string,
    body: Uint8Array,
  ): Promise<{ ok: true; status: number; body: Uint8Array } | { ok: false; failure: XksFailure }> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, failure: { kind: 'unreachable', detail: 'the proxy URI is not a URL' } };
    }
    const headers: Record<string, string> = {
      host: parsed.host,
      'content-type': 'application/json',
    };
    const signed = signRequest(
      { method: 'POST', path: parsed.pathname, headers, body },
      { accessKeyId: target.proxy.accessKeyId, secretAccessKey: target.proxy.secretAccessKey },
      {
        region: target.region,
        service: XKS_SIGV4_SERVICE,
        now: this.#deps.clock(),
        signedHeaders: ['host', 'x-amz-date'],
        ...(this.#deps.sigv4Cache ? { cache: this.#deps.sigv4Cache } : {}),
      },
    );
    try {
      const res = await this.#deps.transport({
        url,
        headers: { ...headers, ...signed },
        body,
        timeoutMs: this.#timeoutMs,
      });
      return { ok: true, status: res.status, body: res.body };
    } catch (e) {
      if (e instanceof XksTransportError) {
        switch (e.code) {
          case 'TIMEOUT':
            return { ok: false, failure: { kind: 'timeout' } };
          case 'TLS':
            return { ok: false, failure: { kind: 'tls', detail: e.message } };
          case 'PROTOCOL':
            return { ok: false, failure: { kind: 'invalid-response', detail: e.message } };
          default:
            return { ok: false, failure: { kind: 'unreachable', detail: e.message } };
        }
      }
      return { ok: false, failure: { kind: 'unreachable', detail: 'transport failed' } };
    }
  }

  #interpret<S extends z.ZodType, T>(
    status: number,
    raw: Uint8Array,
    schema: S,
    check?: (body: z.infer<S>) => T | XksFailure,
  ): XksOutcome<T> {
    const json = parseJson(raw);
    if (status !== 200) {
      const errorName =
        typeof json === 'object' && json !== null && 'errorName' in json
          ? (json as { errorName: unknown }).errorName
          : undefined;
      if (typeof errorName !== 'string' || !isXksErrorName(errorName)) {
        return {
          ok: false,
          failure: {
            kind: 'invalid-response',
            detail: `HTTP ${status} without an XKS error body`,
          },
        };
      }
      return {
        ok: false,
        failure: {
          kind: 'proxy-error',
          errorName,
          errorMessage: messageOf(json),
        },
      };
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      // The caller learns only that the answer was malformed: the schema issue names the
      // answer's fields, and the proxy URI may point at a service the caller cannot read.
      return {
        ok: false,
        failure: {
          kind: 'invalid-response',
          detail: MALFORMED_ANSWER,
          logDetail: issueOf(parsed.error),
        },
      };
    }
    const value = check ? check(parsed.data) : (parsed.data as T);
    if (isFailure(value)) return { ok: false, failure: value };
    return { ok: true, value };
  }
}

/** What the log says about a failed answer beyond its kind and exception name. */
function logDetailOf(failure: XksFailure): string | undefined {
  switch (failure.kind) {
    case 'invalid-response':
      return failure.logDetail ?? failure.detail;
    case 'proxy-error':
      return failure.errorMessage;
    case 'timeout':
      return undefined;
    default:
      return failure.detail;
  }
}

function isFailure(value: unknown): value is XksFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    'kind' in value &&
    typeof (value as { kind: unknown }).kind === 'string'
  );
}

function messageOf(json: unknown): string | undefined {
  const message = (json as { errorMessage?: unknown }).errorMessage;
  return typeof message === 'string' ? message.slice(0, 511) : undefined;
}

function cryptoMetadata(ctx: XksCryptoCallContext) {
  return {
    awsPrincipalArn: ctx.awsPrincipalArn,
    kmsKeyArn: ctx.kmsKeyArn,
    kmsOperation: ctx.kmsOperation,
    kmsRequestId: ctx.kmsRequestId,
    ...(ctx.kmsViaService ? { kmsViaService: ctx.kmsViaService } : {}),
  };
}
