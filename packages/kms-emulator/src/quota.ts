import { TokenBucket } from '@xkslab/protocol';

/**
 * §5: the KMS keys of one custom key store share a request quota (1,800 cryptographic operations
 * per second by default, adjustable). One TokenBucket (@xkslab/protocol) per key store: `rate`
 * tokens a second, bursts up to `rate`. Time is a parameter.
 */
export class KeyStoreQuota {
  readonly rate: number;
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(rate: number) {
    if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError('quota must be positive');
    this.rate = rate;
  }

  /** Takes one request from the key store's quota; false when it is used up for now. */
  admit(keyStoreId: string, nowMs: number): boolean {
    let bucket = this.buckets.get(keyStoreId);
    if (!bucket) {
      bucket = new TokenBucket(this.rate, nowMs);
      this.buckets.set(keyStoreId, bucket);
    }
    return bucket.take(nowMs);
  }

  forget(keyStoreId: string): void {
    this.buckets.delete(keyStoreId);
  }
}
