import { defineCheck } from '../check.ts';
import type { CheckContext } from '../context.ts';
import { fail } from '../expect.ts';
import { KMS_ALARM_MS, KMS_DEADLINE_MS, runLoad } from '../load.ts';
import type { LoadResult } from '../types.ts';

/** The load run, shared by the load.* checks: the first one to ask starts it. */
function loadOf(ctx: CheckContext): Promise<LoadResult> {
  const { run } = ctx;
  const load = run.options.load;
  if (!load) throw new Error('load checks need options.load');
  run.load ??= runLoad(run, load, run.onProgress);
  return run.load;
}

function latencies(r: LoadResult): string {
  const l = r.latencyMs;
  return `p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms`;
}

export const loadChecks = [
  defineCheck({
    id: 'load.errors',
    title: 'Every request of the fixed-rate run succeeds',
    specRef: '§5',
    severity: 'MUST',
    why: 'At the rate KMS may send, every call must still succeed.',
    needs: ['load'],
    async run(ctx) {
      const r = await loadOf(ctx);
      if (r.errorCount > 0) {
        const kinds = Object.entries(r.errors)
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k} ${n}`)
          .join(', ');
        fail(`${r.errorCount} of ${r.sent} requests failed: ${kinds}`);
      }
      ctx.note(`${r.succeeded} of ${r.sent} succeeded`);
    },
  }),
  defineCheck({
    id: 'load.rate',
    title: 'The proxy sustains the requested rate (>= 95% answered 200 per second)',
    specRef: '§5',
    severity: 'SHOULD',
    why: 'KMS expects up to 1800 requests a second per key store.',
    needs: ['load'],
    async run(ctx) {
      const r = await loadOf(ctx);
      if (r.achievedRps < r.targetRps * 0.95) {
        fail(
          `achieved ${r.achievedRps} req/s of ${r.targetRps} (max scheduler lag ${r.maxSendLagMs} ms)`,
        );
      }
      ctx.note(`${r.achievedRps} req/s of ${r.targetRps}`);
    },
  }),
  defineCheck({
    id: 'load.deadline',
    title: `p99 latency under KMS's ${KMS_DEADLINE_MS} ms deadline`,
    specRef: '§5',
    severity: 'MUST',
    why: 'KMS gives each call 250 ms; a p99 above it means failed customer calls.',
    needs: ['load'],
    async run(ctx) {
      const r = await loadOf(ctx);
      if (r.latencyMs.p99 > KMS_DEADLINE_MS || r.completed === 0) {
        fail(
          `${latencies(r)}; ${r.overDeadline} requests over ${KMS_DEADLINE_MS} ms would time out in KMS`,
        );
      }
      ctx.note(latencies(r));
    },
  }),
  defineCheck({
    id: 'load.alarm',
    title: `p95 latency under the ${KMS_ALARM_MS} ms alarm level`,
    specRef: '§5',
    severity: 'SHOULD',
    why: 'AWS suggests alarming at 200 ms; a p95 above it leaves no margin.',
    needs: ['load'],
    async run(ctx) {
      const r = await loadOf(ctx);
      if (r.latencyMs.p95 > KMS_ALARM_MS || r.completed === 0) {
        fail(`${latencies(r)}; ${r.overAlarm} requests over ${KMS_ALARM_MS} ms`);
      }
      ctx.note(`${r.overAlarm} requests over ${KMS_ALARM_MS} ms`);
    },
  }),
];
