import { SigningKeyCache } from '@xkslab/sigv4';
import type { CheckDefinition, CheckNeed } from './check.ts';
import { ALL_CHECKS } from './checks/all-checks.ts';
import { CheckContext, type RunState } from './context.ts';
import { parseEndpoint } from './endpoint.ts';
import { CheckFailure, CheckSkipped } from './expect.ts';
import { NetworkError } from './http-client.ts';
import type {
  CheckResult,
  ConformanceOptions,
  ConformanceReport,
  ConformanceSummary,
  RunHooks,
} from './types.ts';

export const TOOL_NAME = 'xkslab conformance';
const DEFAULT_TIMEOUT_MS = 10_000;

const NEED_FLAGS: Record<CheckNeed, string> = {
  encryptOnlyKeyId: 'needs --encrypt-only-key-id',
  decryptOnlyKeyId: 'needs --decrypt-only-key-id',
  noUsageKeyId: 'needs --no-usage-key-id',
  disabledKeyId: 'needs --disabled-key-id',
  secondCredential: 'needs --second-credential',
  https: 'needs an https:// URL',
  clientCertificate: 'needs --cert and --key',
  load: 'needs --load-rps',
};

function missingNeed(check: CheckDefinition, run: RunState): string | undefined {
  const o = run.options;
  for (const need of check.needs ?? []) {
    const present =
      need === 'https'
        ? run.endpoint.protocol === 'https:'
        : need === 'clientCertificate'
          ? o.tls?.cert !== undefined && o.tls.key !== undefined
          : need === 'load'
            ? o.load !== undefined
            : o[need] !== undefined;
    if (!present) return NEED_FLAGS[need];
  }
  return undefined;
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
  const missing = missingNeed(check, run);
  if (missing) return { ...base, status: 'skip', message: missing, durationMs: 0 };
  const ctx = new CheckContext(run, check.id);
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
  const failed = checks.filter((c) => c.status === 'fail');
  const mustFailed = failed.filter((c) => c.severity === 'MUST').length;
  return {
    total: checks.length,
    passed: checks.filter((c) => c.status === 'pass').length,
    failed: failed.length,
    skipped: checks.filter((c) => c.status === 'skip').length,
    mustFailed,
    shouldFailed: failed.length - mustFailed,
    durationMs: Math.round(durationMs),
    ok: mustFailed === 0,
  };
}

/**
 * Runs the conformance suite against one XKS key store and reports every check. Never throws for
 * what the proxy does (that is a failed check); throws ConformanceOptionsError for a bad URL.
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
    load: undefined,
  };
  const startedAt = new Date();
  const started = performance.now();
  const selected = selectChecks(options.only);
  const results: CheckResult[] = [];
  for (const [index, check] of selected.entries()) {
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
  const load = run.load ? await run.load : undefined;
  return {
    tool: TOOL_NAME,
    target: { url: options.url, region: options.region, keyId: options.keyId },
    startedAt: startedAt.toISOString(),
    checks: results,
    summary: summarize(results, performance.now() - started),
    ...(load ? { load } : {}),
  };
}
