import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from './all-checks.ts';

describe('the check registry (what docs/conformance.md is generated from)', () => {
  it('gives every check a unique id, a title, a spec reference, a severity and why it matters', () => {
    const ids = ALL_CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of ALL_CHECKS) {
      expect(c.id).toMatch(/^[a-z0-9]+(\.[a-z0-9-]+)+$/);
      expect(c.title.length, c.id).toBeGreaterThan(10);
      expect(c.specRef, c.id).toMatch(/§|SigV4|NIST|RFC/);
      expect(['MUST', 'SHOULD']).toContain(c.severity);
      expect(c.why.length, c.id).toBeGreaterThan(30);
      expect(c.why, c.id).toMatch(/^[A-Za-z].*\.$/);
    }
  });
});
