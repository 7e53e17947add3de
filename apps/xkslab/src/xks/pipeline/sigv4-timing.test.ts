/**
 * An unknown access key id and a known one with a wrong signature must cost the proxy the same
 * work, or the time of the refusal tells which ids exist. Measured on the real stage, interleaved
 * (ABAB...) so load on the machine hits both sides alike; each sample times a batch of calls so
 * the timer's resolution does not matter.
 */
import { describe, expect, it } from 'vitest';
import { inContext, META, signedRequest, xksFixture } from '../../testing/xks-context.ts';
import { bodyStage } from './body.ts';
import type { XksContext } from './context.ts';
import { resolveStage } from './resolve.ts';
import { sigv4Stage } from './sigv4.ts';

const ENCRYPT = '/p/kms/xks/v1/keys/k/encrypt';
// A body of a typical size (a 4 KiB plaintext), so hashing it is part of the work measured.
const BODY = {
  requestMetadata: META,
  plaintext: Buffer.alloc(4096, 1).toString('base64'),
  encryptionAlgorithm: 'AES_GCM',
};
const PAIRS = 300;
const CALLS_PER_SAMPLE = 10;
/**
 * Before equal work the unknown id was answered in a fraction of the time (the signature's
 * HMACs and the body hash skipped: about 8 times faster); with equal work the pairs differ by a
 * few percent. 25 % leaves room for a loaded machine.
 */
const MAX_RELATIVE_DIFFERENCE = 0.25;

async function preparedContext(
  deps: Awaited<ReturnType<typeof xksFixture>>['deps'],
  req: Request,
): Promise<XksContext> {
  return inContext(deps, req, async (incoming) => {
    const ctx = resolveStage(deps)(incoming);
    await bodyStage(ctx);
    return ctx;
  });
}

/** Nanoseconds for CALLS_PER_SAMPLE refusals of `ctx` (each one must be refused). */
function sample(ctx: XksContext): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS_PER_SAMPLE; i++) {
    try {
      sigv4Stage(ctx);
      throw new Error('accepted');
    } catch (e) {
      if (e instanceof Error && e.message === 'accepted') throw e;
    }
  }
  return Number(process.hrtime.bigint() - start);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};

describe('stage sigv4: refusal timing', () => {
  it('takes as long for an unknown access key id as for a known one with a wrong signature', async () => {
    const { deps } = await xksFixture();
    const wrongSignature = await preparedContext(
      deps,
      signedRequest(ENCRYPT, BODY, { secret: 'b'.repeat(43) }),
    );
    const unknownId = await preparedContext(
      deps,
      signedRequest(ENCRYPT, BODY, {
        accessKeyId: 'AKIAXKSLABUNKNOWN2345',
        secret: 'b'.repeat(43),
      }),
    );
    // The refusals are the ones meant: one mismatch, one unknown id.
    sample(wrongSignature);
    sample(unknownId);
    expect(wrongSignature.log.authFailure).toBe('SIGNATURE_MISMATCH');
    expect(unknownId.log.authFailure).toBe('UNKNOWN_ACCESS_KEY');
    for (let i = 0; i < 50; i++) sample(i % 2 ? wrongSignature : unknownId); // warm-up
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      if (i % 2 === 0) {
        known.push(sample(wrongSignature));
        unknown.push(sample(unknownId));
      } else {
        unknown.push(sample(unknownId));
        known.push(sample(wrongSignature));
      }
    }
    const [k, u] = [median(known), median(unknown)];
    // Each pair ran back to back, under the same load: the median of their ratios is steadier
    // than the ratio of the medians when other processes come and go.
    const ratio = median(known.map((ns, i) => (unknown[i] as number) / ns));
    const relative = Math.abs(ratio - 1);
    const us = (ns: number) => (ns / CALLS_PER_SAMPLE / 1000).toFixed(1);
    console.info(
      `sigv4 refusal median: wrong signature ${us(k)} µs, unknown id ${us(u)} µs; median pair ratio ${ratio.toFixed(3)}`,
    );
    expect(relative).toBeLessThan(MAX_RELATIVE_DIFFERENCE);
  }, 120_000);
});
