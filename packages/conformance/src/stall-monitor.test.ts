import { describe, expect, it } from 'vitest';
import { StallMonitor } from './stall-monitor.ts';

describe('StallMonitor', () => {
  it('sees a blocked event loop and places it in time', async () => {
    const m = new StallMonitor();
    m.start();
    await new Promise((r) => setTimeout(r, 30));
    const from = performance.now();
    const until = from + 120;
    while (performance.now() < until) {
      // block the event loop for 120 ms
    }
    await new Promise((r) => setTimeout(r, 30));
    const to = performance.now();
    m.stop();
    expect(m.stalledMs(from, to)).toBeGreaterThan(100);
    expect(m.stalledMs(to, to + 1000)).toBe(0);
  });
});
