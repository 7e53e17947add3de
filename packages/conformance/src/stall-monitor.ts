/**
 * How long the runner itself could not run: a 10 ms timer notes each time it fires late (the event
 * loop was busy or the process got no CPU). An answer that arrived while the runner was stalled is
 * read late; latency.every-answer subtracts the runner's stalls from the time it measured, so a
 * busy CI machine running the runner is not blamed on the proxy.
 */
const TICK_MS = 10;
/** Lateness below this is timer jitter, not a stall. */
const JITTER_MS = 5;
const MAX_SAMPLES = 100_000;

export class StallMonitor {
  /** [when the late tick fired, how late it was] */
  #stalls: Array<[number, number]> = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #expected = 0;

  start(): void {
    this.#expected = performance.now() + TICK_MS;
    this.#timer = setInterval(() => {
      const now = performance.now();
      const late = now - this.#expected;
      if (late > JITTER_MS && this.#stalls.length < MAX_SAMPLES) this.#stalls.push([now, late]);
      this.#expected = now + TICK_MS;
    }, TICK_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Milliseconds the runner was stalled between `from` and `to` (performance.now() times). */
  stalledMs(from: number, to: number): number {
    let total = 0;
    for (const [at, late] of this.#stalls) {
      // A stall ending at `at` began `late` ms before it: count the part inside [from, to].
      const overlap = Math.min(at, to) - Math.max(at - late, from);
      if (overlap > 0) total += overlap;
    }
    return total;
  }
}
