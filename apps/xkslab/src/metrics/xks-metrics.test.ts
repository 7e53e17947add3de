import { describe, expect, it } from 'vitest';
import { RECENT_BUCKET_SECONDS, RECENT_BUCKETS, XksMetrics } from './xks-metrics.ts';

function clock(start = Date.parse('2025-03-01T12:00:00Z')) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('XksMetrics', () => {
  it('exports per-operation latency histograms and error counters in Prometheus text', async () => {
    const metrics = new XksMetrics({ now: clock().now });
    metrics.observe('Encrypt', 3, undefined);
    metrics.observe('Encrypt', 300, 'DependencyTimeoutException');
    metrics.observe('Decrypt', 1, 'InvalidCiphertextException');
    const text = await metrics.prometheus();
    expect(text).toContain('xkslab_xks_request_duration_seconds_count{operation="Encrypt"} 2');
    expect(text).toContain(
      'xkslab_xks_request_duration_seconds_bucket{le="0.005",operation="Encrypt"} 1',
    );
    expect(text).toContain(
      'xkslab_xks_errors_total{operation="Encrypt",errorName="DependencyTimeoutException",retryable="true"} 1',
    );
    expect(text).toContain(
      'xkslab_xks_errors_total{operation="Decrypt",errorName="InvalidCiphertextException",retryable="false"} 1',
    );
    expect(metrics.contentType).toMatch(/^text\/plain/);
    expect(await metrics.requestCount()).toBe(3);
    expect(await metrics.errorCounts()).toEqual([
      { errorName: 'DependencyTimeoutException', retryable: true, count: 1 },
      { errorName: 'InvalidCiphertextException', retryable: false, count: 1 },
    ]);
  });

  it('keeps requests/s, p50 and p99 per 5 s over the last 10 minutes', () => {
    const c = clock();
    const metrics = new XksMetrics({ now: c.now });
    for (let i = 0; i < 98; i++) metrics.observe('Encrypt', 2, undefined);
    metrics.observe('Encrypt', 200, undefined);
    metrics.observe('Encrypt', 200, 'InternalException');
    const t = metrics.traffic();
    expect(t.points).toHaveLength(RECENT_BUCKETS);
    const last = t.points.at(-1);
    expect(last).toMatchObject({ requests: 100, errors: 1, requestsPerSecond: 20 });
    // Upper bucket edges: within 25 % above the true value.
    expect(last?.p50Ms).toBeGreaterThanOrEqual(2);
    expect(last?.p50Ms).toBeLessThan(2.5);
    expect(last?.p99Ms).toBeGreaterThanOrEqual(200);
    expect(last?.p99Ms).toBeLessThan(250);
    expect(t.lastMinute).toMatchObject({ requests: 100, errors: 1 });
    expect(t.points[0]?.p50Ms).toBeNull();
  });

  it('moves old points out of the window and the last minute', () => {
    const c = clock();
    const metrics = new XksMetrics({ now: c.now });
    metrics.observe('Encrypt', 1, undefined);
    c.advance(61_000);
    metrics.observe('Decrypt', 1, undefined);
    let t = metrics.traffic();
    expect(t.lastMinute.requests).toBe(1);
    expect(t.points.reduce((n, p) => n + p.requests, 0)).toBe(2);
    c.advance(RECENT_BUCKETS * RECENT_BUCKET_SECONDS * 1000);
    t = metrics.traffic();
    expect(t.points.reduce((n, p) => n + p.requests, 0)).toBe(0);
    // A slot reused after a full turn starts from zero.
    metrics.observe('Encrypt', 1, undefined);
    expect(metrics.traffic().points.at(-1)?.requests).toBe(1);
  });
});
