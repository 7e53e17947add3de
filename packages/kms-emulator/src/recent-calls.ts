/**
 * The newest KMS calls the emulator answered, for a read-only view of its traffic (the xkslab
 * dashboard): what was called, on which key or key store, and how it ended. A bounded ring:
 * memory stays the same however long the emulator runs. Never request or response data.
 */

/** How many calls the ring keeps. */
export const RECENT_KMS_CALLS = 200;

/** Most characters of an error message kept (KMS's own messages are far shorter). */
const MESSAGE_CHARS = 500;

/** One answered KMS call. */
export type KmsCallRecord = {
  /** The x-amzn-RequestId, also the kmsRequestId of the XKS requests the call made. */
  requestId: string;
  /** When the answer was ready (ISO 8601, the emulator's clock). */
  time: string;
  /** The action (`Encrypt`), or what X-Amz-Target named when it was no action. */
  operation: string;
  /** The key: the one the answer names (its ARN or id), else the KeyId the caller sent. */
  keyId?: string;
  customKeyStoreId?: string;
  /** `ok`, or the error name the caller got. */
  outcome: string;
  errorMessage?: string;
  durationMs: number;
};

export class RecentCalls {
  readonly #capacity: number;
  readonly #ring: KmsCallRecord[] = [];
  #next = 0;

  constructor(capacity = RECENT_KMS_CALLS) {
    this.#capacity = capacity;
  }

  add(record: KmsCallRecord): void {
    const kept: KmsCallRecord =
      record.errorMessage !== undefined && record.errorMessage.length > MESSAGE_CHARS
        ? { ...record, errorMessage: `${record.errorMessage.slice(0, MESSAGE_CHARS)}…` }
        : { ...record };
    if (this.#ring.length < this.#capacity) this.#ring.push(kept);
    else this.#ring[this.#next] = kept;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** The calls kept, newest first (copies). */
  list(): KmsCallRecord[] {
    const n = this.#ring.length;
    const out: KmsCallRecord[] = [];
    for (let i = 1; i <= n; i++) {
      const record = this.#ring[(this.#next - i + n) % n];
      if (record) out.push({ ...record });
    }
    return out;
  }
}

/** A string member of a JSON object, if it has one. */
function stringField(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = (value as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The key and key store a call was about: the answer's `KeyId` (a crypto call's key ARN) or
 * `KeyMetadata.KeyId` (CreateKey, DescribeKey), else what the request named.
 */
export function subjectOf(
  request: unknown,
  answer: unknown,
): { keyId?: string; customKeyStoreId?: string } {
  const meta =
    typeof answer === 'object' && answer !== null
      ? (answer as Record<string, unknown>).KeyMetadata
      : undefined;
  const keyId =
    stringField(answer, 'KeyId') ??
    stringField(meta, 'KeyId') ??
    stringField(request, 'KeyId') ??
    stringField(request, 'TargetKeyId');
  const customKeyStoreId =
    stringField(answer, 'CustomKeyStoreId') ??
    stringField(meta, 'CustomKeyStoreId') ??
    stringField(request, 'CustomKeyStoreId');
  return {
    ...(keyId === undefined ? {} : { keyId }),
    ...(customKeyStoreId === undefined ? {} : { customKeyStoreId }),
  };
}
