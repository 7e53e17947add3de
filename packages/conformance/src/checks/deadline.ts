import { randomBytes } from 'node:crypto';
import { decryptBody, encryptBody, healthBody, metadataBody } from '../bodies.ts';
import { defineCheck } from '../check.ts';
import type { CheckContext, Exchange } from '../context.ts';
import { CheckSkipped, fail, type Reply } from '../expect.ts';
import { KMS_DEADLINE_MS } from '../load.ts';

/** The XKS operation an answer belongs to, from its path. */
export function operationOf(path: string): string {
  const m = /\/(health|metadata|encrypt|decrypt)(?:\?.*)?$/.exec(path);
  return m?.[1] ?? 'other';
}

export type Slowest = { operation: string; ms: number; checkId: string; count: number };

/** The proxy's time for an answer: measured, minus the runner's own stalls meanwhile. */
export function proxyMs(e: Pick<Exchange, 'durationMs' | 'runnerStallMs'>): number {
  return Math.max(0, e.durationMs - e.runnerStallMs);
}

/** The slowest answer of each operation among `exchanges`, slowest operation first. */
export function slowestPerOperation(exchanges: readonly Exchange[]): Slowest[] {
  const by = new Map<string, Slowest>();
  for (const e of exchanges) {
    const operation = operationOf(e.path);
    const prev = by.get(operation);
    if (prev === undefined || proxyMs(e) > prev.ms) {
      by.set(operation, {
        operation,
        ms: proxyMs(e),
        checkId: e.checkId,
        count: (prev?.count ?? 0) + 1,
      });
    } else {
      prev.count++;
    }
  }
  return [...by.values()].sort((a, b) => b.ms - a.ms);
}

const show = (s: Slowest) => `${s.operation} ${Math.round(s.ms)} ms (${s.checkId})`;

/**
 * The judgement of latency.every-answer: undefined when every timed answer came within the
 * deadline, else what was too slow. Each answer counts on its own: KMS times out one call at
 * 250 ms, whatever the percentiles of the others.
 */
export function judgeDeadline(
  exchanges: readonly Exchange[],
  deadlineMs = KMS_DEADLINE_MS,
): { ok: boolean; message: string } {
  const timed = exchanges.filter((e) => e.timed);
  if (timed.length === 0) throw new CheckSkipped('no answers seen in this run');
  const slow = timed.filter((e) => proxyMs(e) > deadlineMs);
  const stalled = timed.reduce((sum, e) => sum + e.runnerStallMs, 0);
  const discount = stalled >= 1 ? ` (runner stalls of ${Math.round(stalled)} ms not counted)` : '';
  const slowest = slowestPerOperation(slow.length > 0 ? slow : timed);
  if (slow.length > 0) {
    return {
      ok: false,
      message: `${slow.length} of ${timed.length} answers slower than KMS's ${deadlineMs} ms deadline (KMS fails those calls); slowest per operation: ${slowest.map(show).join(', ')}${discount}`,
    };
  }
  return {
    ok: true,
    message: `${timed.length} answers within ${deadlineMs} ms; slowest per operation: ${slowest.map(show).join(', ')}${discount}`,
  };
}

/** Calls of one operation re-sent to tell a slow proxy from a stall of the machine. */
export const CONFIRM_CALLS = 20;

/**
 * The verdict once the slow operations were re-tried: a slow answer counts when the proxy is
 * slow again within CONFIRM_CALLS calls of the same operation (a proxy that is slow one call in
 * N, N <= 20, is caught); a stall that does not come back was the machine's, not the proxy's.
 */
export function confirmVerdict(
  first: string,
  retried: readonly { operation: string; ms: number }[],
  deadlineMs = KMS_DEADLINE_MS,
): { ok: boolean; message: string } {
  const slow = retried.filter((r) => r.ms > deadlineMs);
  if (slow.length > 0) {
    const worst = Math.round(Math.max(...slow.map((r) => r.ms)));
    return {
      ok: false,
      message: `${first}; again ${slow.length} of ${retried.length} re-tried calls (up to ${worst} ms)`,
    };
  }
  return {
    ok: true,
    message: `${first}; not again in ${retried.length} re-tried calls: a stall of the machine, not counted`,
  };
}

/** Re-sends CONFIRM_CALLS calls of each operation; returns each call's time (proxy's part). */
async function retry(ctx: CheckContext, operations: readonly string[]) {
  const out: { operation: string; ms: number }[] = [];
  const key = ctx.options.keyId;
  const rand = () => new Uint8Array(randomBytes(32));
  for (const operation of operations) {
    for (let i = 0; i < CONFIRM_CALLS; i++) {
      let reply: Reply;
      if (operation === 'health') reply = await ctx.post(ctx.healthPath(), healthBody());
      else if (operation === 'encrypt') {
        reply = await ctx.post(ctx.keyPath(key, 'encrypt'), encryptBody({ plaintext: rand() }));
      } else if (operation === 'decrypt') {
        const { sealed } = await ctx.encryptOk(key, { plaintext: rand() });
        reply = await ctx.post(ctx.keyPath(key, 'decrypt'), decryptBody(sealed));
      } else reply = await ctx.post(ctx.keyPath(key, 'metadata'), metadataBody());
      out.push({
        operation,
        ms: proxyMs({
          durationMs: reply.answerMs ?? reply.durationMs,
          runnerStallMs: reply.runnerStallMs ?? 0,
        }),
      });
    }
  }
  return out;
}

export const deadlineCheck = defineCheck({
  id: 'latency.every-answer',
  title: `Every answer of the run within KMS's ${KMS_DEADLINE_MS} ms deadline`,
  specRef: '§0 fact 7, §5',
  severity: 'MUST',
  why: 'KMS waits 250 ms per call and then fails it (retrying once on a network timeout): one slow answer is one failed Encrypt or Decrypt for a customer, whatever the average.',
  async run(ctx) {
    const seen = [...ctx.run.exchanges];
    const verdict = judgeDeadline(seen);
    if (verdict.ok) return ctx.note(verdict.message);
    const slowOps = [
      ...new Set(
        seen.filter((e) => e.timed && proxyMs(e) > KMS_DEADLINE_MS).map((e) => operationOf(e.path)),
      ),
    ];
    const confirmed = confirmVerdict(verdict.message, await retry(ctx, slowOps));
    if (!confirmed.ok) fail(confirmed.message);
    ctx.note(confirmed.message);
  },
});
