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
  EncryptResponse,
  encodeBase64,
  GetHealthStatusResponse,
  GetKeyMetadataResponse,
} from '@xkslab/protocol';
import type { SigningKeyCache } from '@xkslab/sigv4';
import type { z } from 'zod';
import { XKS_TIMEOUT_MS, XKS_TIMEOUT_RETRIES } from '../constants.ts';
import type { KmsMetrics, XksOperationName } from '../metrics.ts';
import type { XksProxySettings } from '../model.ts';
import { b64, interpretResponse } from './response-validation.ts';
import { sendSigned } from './signed-send.ts';
import type { XksTransport } from './transport.ts';
import {
  failureErrorType,
  failureExceptionName,
  logDetailOf,
  type XksFailure,
  type XksOutcome,
} from './xks-failure.ts';

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

const encoder = new TextEncoder();

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
      const sent = await sendSigned(
        { ...this.#deps, timeoutMs: this.#timeoutMs },
        target,
        url,
        body,
      );
      if (sent.ok) {
        status = sent.status;
        outcome = interpretResponse(sent.status, sent.body, schema, check);
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
