/**
 * §5: the KMS keys of one custom key store share a request quota (1,800 cryptographic operations
 * per second by default, adjustable). A token bucket per key store: `rate` tokens a second, bursts
 * up to `rate`. Time is a parameter.
 */
export class KeyStoreQuota {
  readonly rate: number;
  private readonly buckets = new Map<string, { tokens: number; last: number }>();

  constructor(rate: number) {
    if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError('quota must be positive');
    this.rate = rate;
  }

  /** Takes one request from the key store's quota; false when it is used up for now. */
  admit(keyStoreId: string, nowMs: number): boolean {
    let bucket = this.buckets.get(keyStoreId);
    if (!bucket) {
      bucket = { tokens: this.rate, last: nowMs };
      this.buckets.set(keyStoreId, bucket);
    }
    const elapsed = Math.max(0, nowMs - bucket.last) / 1000;
    bucket.last = nowMs;
    bucket.tokens = Math.min(this.rate, bucket.tokens + elapsed * this.rate);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  forget(keyStoreId: string): void {
    this.buckets.delete(keyStoreId);
  }
}
