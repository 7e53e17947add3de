import { describe, expect, it } from 'vitest';
import { KmsMetrics } from './metrics.ts';

describe('KMS metrics', () => {
  it('writes Prometheus text under KMS metric names and dimensions', () => {
    const m = new KmsMetrics();
    m.recordLatency('cks-1', 'Encrypt', 'Encrypt', 12);
    m.recordLatency('cks-1', 'Encrypt', 'Encrypt', 300);
    m.recordError('cks-1', 'Decrypt', 'Decrypt', 'Retryable', 'ThrottlingException');
    m.recordError('cks-1', 'Decrypt', 'Decrypt', 'Retryable', 'ThrottlingException');
    m.recordThrottle('cks-1', 'GenerateDataKey');
    m.recordKeyManagerStates('cks-1', { Active: 2, Degraded: 0, Unavailable: 1 }, 0);
    const day = 24 * 60 * 60 * 1000;
    const text = m.prometheus(new Map([['cks-1', 0]]), 3.5 * day);
    expect(text).toContain('# TYPE XksProxyLatency histogram');
    expect(text).toContain(
      'XksProxyLatency_bucket{CustomKeyStoreId="cks-1",KmsOperation="Encrypt",XksOperation="Encrypt",le="25"} 1',
    );
    expect(text).toContain(
      'XksProxyLatency_count{CustomKeyStoreId="cks-1",KmsOperation="Encrypt",XksOperation="Encrypt"} 2',
    );
    expect(text).toContain(
      'XksProxyErrors{CustomKeyStoreId="cks-1",KmsOperation="Decrypt",XksOperation="Decrypt",ErrorType="Retryable",ExceptionName="ThrottlingException"} 2',
    );
    expect(text).toContain(
      'XksExternalKeyManagerStates{CustomKeyStoreId="cks-1",XksExternalKeyManagerState="Unavailable"} 1',
    );
    expect(text).toContain(
      'ExternalKeyStoreThrottle{CustomKeyStoreId="cks-1",KmsOperation="GenerateDataKey"} 1',
    );
    expect(text).toContain('XksProxyCredentialAge{CustomKeyStoreId="cks-1"} 3');
    expect(m.errorCount({ ErrorType: 'Retryable' })).toBe(2);
    expect(m.throttleCount('cks-1')).toBe(1);
  });

  it('escapes label values', () => {
    const m = new KmsMetrics();
    m.recordThrottle('a"b\\c', 'Encrypt');
    expect(m.prometheus(new Map(), 0)).toContain('CustomKeyStoreId="a\\"b\\\\c"');
  });

  it('gives the same numbers as JSON', () => {
    const m = new KmsMetrics();
    m.recordLatency('cks-1', 'Decrypt', 'Decrypt', 5);
    const snap = m.snapshot(new Map([['cks-1', 0]]), 0);
    expect(snap.latency).toEqual([
      {
        labels: { CustomKeyStoreId: 'cks-1', KmsOperation: 'Decrypt', XksOperation: 'Decrypt' },
        count: 1,
        sumMs: 5,
      },
    ]);
    expect(snap.credentialAgeDays).toEqual([{ CustomKeyStoreId: 'cks-1', days: 0 }]);
  });
});
