/**
 * A token bucket: `rate` tokens a second, bursts up to `rate`. Time is a parameter. It is the
 * request quota of a key store (spec §5: KMS allows a custom key store 1,800 cryptographic
 * operations a second by default) as the KMS emulator enforces it, and the proxy's own
 * `maxRequestsPerSecond` and throttle faults.
 */
export class TokenBucket {
  private readonly rate: number;
  private tokens: number;
  private last: number;
  constructor(rate: number, now: number) {
    this.rate = rate;
    this.tokens = rate;
    this.last = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.rate, this.tokens + elapsed * this.rate);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
