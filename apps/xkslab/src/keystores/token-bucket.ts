/** A token bucket: `rate` tokens a second, bursts up to `rate`. Time is a parameter. */
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
