import { SigningKeyCache } from '@xkslab/sigv4';
import type { CheckDefinition, CheckNeed } from './check.ts';
import { ALL_CHECKS } from './checks/all-checks.ts';
import { CheckContext, type RunState } from './context.ts';
import { parseEndpoint } from './endpoint.ts';
import { CheckFailure, CheckNotApplicable, CheckSkipped } from './expect.ts';
import { NetworkError } from './http-client.ts';
import { DEFAULT_TIMEOUT_MS, preflight } from './preflight.ts';
import { StallMonitor } from './stall-monitor.ts';
import type {
  CheckResult,
  ConformanceOptions,
  ConformanceReport,
  ConformanceSummary,
  RunHooks,
} from './types.ts';
import { EXIT_STATUS, verdictOf } from './verdict.ts';

export const TOOL_NAME = 'xkslab conformance';

/** The run was stopped through `RunHooks.signal` (Ctrl-C): no report. */
export class ConformanceAbortedError extends Error {
  constructor() {
    super('the conformance run was interrupted');
    this.name = 'ConformanceAbortedError';
  }
}

/** Why a check with an unmet need does not run: an input the user can give, or not applicable. */
const NEED_REASONS: Record<CheckNeed, { status: 'skip' | 'na'; message: string }> = {
  encryptOnlyKeyId: { status: 'skip', message: 'needs --encrypt-only-key-id' },
  decryptOnlyKeyId: { status: 'skip', message: 'needs --decrypt-only-key-id' },
  noUsageKeyId: { status: 'skip', message: 'needs --no-usage-key-id' },
  disabledKeyId: { status: 'skip', message: 'needs --disabled-key-id' },
  secondCredential: { status: 'skip', message: 'needs --second-credential' },
  // TLS is a property of an https:// endpoint; over http:// there is nothing to check.
  https: { status: 'na', message: 'not applicable: the target is http://, TLS needs https://' },
  clientCertificate: { status: 'skip', message: 'needs --cert and --key' },
  // The load run is a measurement at a rate only the user can choose: opt-in.
  load: { status: 'na', message: 'not requested: --load-rps N runs the load checks' },
};

/** The first unmet need of a check; not-applicable needs win over missing inputs. */
function unmetNeed(
  check: CheckDefinition,
  run: RunState,
): { status: 'skip' | 'na'; message: string } | undefined {
  const o = run.options;
  const unmet = (check.needs ?? []).filter((need) => {
    const present =
      need === 'https'
        ? run.endpoint.protocol === 'https:'
        : need === 'clientCertificate'
          ? o.tls?.cert !== undefined && o.tls.key !== undefined
          : need === 'load'
            ? o.load !== undefined
            : o[need] !== undefined;
    return !present;
  });
  const reasons = unmet.map((need) => NEED_REASONS[need]);
  return reasons.find((r) => r.status === 'na') ?? reasons[0];
}

/** The checks a run would execute, in order (after `only` filtering). */
export function selectChecks(only?: readonly string[]): CheckDefinition[] {
  if (!only || only.length === 0) return [...ALL_CHECKS];
  return ALL_CHECKS.filter((c) => only.some((p) => c.id === p || c.id.startsWith(p)));
}

async function runOne(check: CheckDefinition, run: RunState): Promise<CheckResult> {
  const base = {
    id: check.id,
    title: check.title,
    specRef: check.specRef,
    severity: check.severity,
  };
  const started = performance.now();
  const unmet = unmetNeed(check, run);
  if (unmet) return { ...base, status: unmet.status, message: unmet.message, durationMs: 0 };
  const ctx = new CheckContext(run, check.id);
  ctx.timed = check.untimed !== true;
  let status: CheckResult['status'] = 'pass';
  let message = '';
  try {
    await check.run(ctx);
    message =
      ctx.message ??
      `${ctx.requests} request${ctx.requests === 1 ? '' : 's'} answered as the spec requires`;
  } catch (e) {
    if (e instanceof CheckSkipped) {
      status = 'skip';
      message = e.message;
    } else if (e instanceof CheckNotApplicable) {
      status = 'na';
      message = `not applicable: ${e.message}`;
    } else if (e instanceof CheckFailure) {
      status = 'fail';
      message = e.message;
    } else if (e instanceof NetworkError) {
      status = 'fail';
      message = `no answer: ${e.code}: ${e.message}`;
    } else {
      status = 'fail';
      message = `runner error: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const durationMs = Math.round((performance.now() - started) * 10) / 10;
  const evidence =
    status === 'fail'
      ? {
          ...(ctx.lastSent ? { sent: ctx.lastSent } : {}),
          ...(ctx.lastReceived ? { received: ctx.lastReceived } : {}),
        }
      : {};
  return { ...base, status, message, ...evidence, durationMs };
}

export function summarize(checks: readonly CheckResult[], durationMs: number): ConformanceSummary {
  const count = (status: CheckResult['status'], severity?: CheckResult['severity']) =>
    checks.filter((c) => c.status === status && (severity === undefined || c.severity === severity))
      .length;
  const mustFailed = count('fail', 'MUST');
  const mustSkipped = count('skip', 'MUST');
  const verdict = verdictOf({ mustPassed: count('pass', 'MUST'), mustFailed, mustSkipped });
  return {
    total: checks.length,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    notApplicable: count('na'),
    mustFailed,
    shouldFailed: count('fail', 'SHOULD'),
    mustSkipped,
    durationMs: Math.round(durationMs),
    ok: mustFailed === 0,
    verdict,
    exitStatus: EXIT_STATUS[verdict],
  };
}

/**
 * Runs the conformance suite against one XKS key store and reports every check. Never throws for
 * what the proxy does once it answers (that is a failed check). Throws ConformanceOptionsError
 * for a bad URL, TargetUnreachableError when one request up front gets no HTTP answer at all
 * (nothing listens, an untrusted certificate...: one clear error instead of every check failing
 * alike), ConformanceAbortedError when `hooks.signal` stops the run.
 */
export async function runConformance(
  options: ConformanceOptions,
  hooks: RunHooks = {},
): Promise<ConformanceReport> {
  const endpoint = parseEndpoint(options.url, options.tls ?? {});
  const run: RunState = {
    options,
    endpoint,
    exchanges: [],
    clock: options.clock ?? (() => new Date()),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    signingCache: new SigningKeyCache(),
    onProgress: hooks.onProgress,
    signal: hooks.signal,
    stalls: new StallMonitor(),
    load: undefined,
  };
  const aborted = () => {
    if (hooks.signal?.aborted) throw new ConformanceAbortedError();
  };
  await preflight(endpoint, { timeoutMs: run.timeoutMs, signal: hooks.signal }).catch(
    (e: unknown) => {
      aborted();
      throw e;
    },
  );
  const startedAt = new Date();
  const started = performance.now();
  const selected = selectChecks(options.only);
  const results: CheckResult[] = [];
  run.stalls.start();
  try {
    await runAll(selected, run, results, hooks);
  } finally {
    run.stalls.stop();
  }
  const load = run.load ? await run.load : undefined;
  aborted();
  return {
    tool: TOOL_NAME,
    target: { url: options.url, region: options.region, keyId: options.keyId },
    startedAt: startedAt.toISOString(),
    checks: results,
    summary: summarize(results, performance.now() - started),
    ...(load ? { load } : {}),
  };
}

async function runAll(
  selected: readonly CheckDefinition[],
  run: RunState,
  results: CheckResult[],
  hooks: RunHooks,
): Promise<void> {
  const aborted = () => {
    if (hooks.signal?.aborted) throw new ConformanceAbortedError();
  };
  for (const [index, check] of selected.entries()) {
    aborted();
    hooks.onProgress?.({
      type: 'check-start',
      index,
      total: selected.length,
      id: check.id,
      title: check.title,
    });
    const result = await runOne(check, run);
    results.push(result);
    hooks.onProgress?.({ type: 'check-done', index, total: selected.length, result });
  }
}
