import { defineCheck } from '../check.ts';
import type { Exchange } from '../context.ts';
import { CheckSkipped, fail } from '../expect.ts';
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

export const deadlineCheck = defineCheck({
  id: 'latency.every-answer',
  title: `Every answer of the run within KMS's ${KMS_DEADLINE_MS} ms deadline`,
  specRef: '§0 fact 7, §5',
  severity: 'MUST',
  why: 'KMS waits 250 ms per call and then fails it (retrying once on a network timeout): one slow answer is one failed Encrypt or Decrypt for a customer, whatever the average.',
  async run(ctx) {
    const verdict = judgeDeadline(ctx.run.exchanges);
    if (!verdict.ok) fail(verdict.message);
    ctx.note(verdict.message);
  },
});
