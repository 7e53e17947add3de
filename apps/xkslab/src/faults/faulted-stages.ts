import { XKS_SIGV4_SERVICE } from '@xkslab/protocol';
import { parseAuthorization } from '@xkslab/sigv4';
import type { ActiveKeyStore } from '../keystores/registry.ts';
import { XksError } from '../xks/errors.ts';
import type {
  XksCallContext,
  XksContext,
  XksIncoming,
  XksStages,
} from '../xks/pipeline/context.ts';
import { specStages } from '../xks/pipeline/pipeline.ts';
import { quotaThrottled } from '../xks/pipeline/quota.ts';
import { contextOf, noSuchPath, parseXksPath, specCrypto } from '../xks/pipeline/resolve.ts';
import { callRoute, withDeadline } from '../xks/pipeline/run.ts';
import { acceptSigv4, verifySigv4 } from '../xks/pipeline/sigv4.ts';
import type { XksDeps } from '../xks/route.ts';
import { AnswerDefects } from './answer-defects.ts';
import { delay, dropConnection } from './connection.ts';
import {
  authWithDefect,
  errorWithDefect,
  jsonHeaders,
  jsonText,
  refuseByDefect,
  resultWithFaults,
} from './defects.ts';
import type { FaultSource, RequestFaults } from './fault-plan.ts';
import { faultedCrypto } from './faulted-crypto.ts';
import { LAX_SIGV4_DEFECTS, laxVerify } from './lax-sigv4.ts';

/**
 * Under 'wrong-prefix-accepted', the key store serving an unknown prefix: the one whose credential
 * signed the request (what a proxy that ignores the prefix would do).
 */
function keyStoreForAnyPrefix(
  plan: FaultSource,
  deps: XksDeps,
  incoming: XksIncoming,
): ActiveKeyStore | undefined {
  if (plan.defect !== 'wrong-prefix-accepted') return undefined;
  const raw = incoming.raw.headers.authorization;
  const value = Array.isArray(raw) ? raw[0] : raw;
  const accessKeyId =
    typeof value === 'string' ? parseAuthorization(value)?.accessKeyId : undefined;
  return deps.registry
    .list()
    .find((ks) => accessKeyId !== undefined && ks.accessKeyIds.includes(accessKeyId));
}

type Decided = WeakMap<XksContext, RequestFaults>;

/**
 * The operation of a call with faults: the module delay inside the module deadline and the
 * defect's module (`ctx.crypto`). A worker of `serve --workers N` hands both to the primary.
 */
export type FaultedRun = (ctx: XksContext, f: RequestFaults) => Promise<object>;

/** A call's operation after `delayMs`, all of it under the module deadline. */
export function delayedCall(ctx: XksCallContext, delayMs: number): Promise<object> {
  return withDeadline(
    delay(delayMs).then(() => callRoute(ctx)),
    ctx.deps.moduleTimeoutMs,
  );
}

/** The SigV4 stage of a request with faults: a lax verifier under the sigv4-* defects. */
function faultedSigv4(ctx: XksContext, f: RequestFaults, now: Date): void {
  ctx.now = f.clockOffsetMs ? new Date(now.getTime() + f.clockOffsetMs) : now;
  if (f.defect !== undefined && LAX_SIGV4_DEFECTS.has(f.defect)) {
    const { raw, keyStore } = ctx;
    acceptSigv4(
      ctx,
      laxVerify({
        defect: f.defect,
        method: raw.method,
        path: raw.target,
        headers: raw.headers,
        body: ctx.body,
        region: keyStore.region,
        service: XKS_SIGV4_SERVICE,
        now: ctx.now,
        accessKeyIds: keyStore.accessKeyIds,
        secretFor: keyStore.secretFor,
      }),
    );
    return;
  }
  const verify = (maxSkewMs?: number) => verifySigv4(ctx, maxSkewMs);
  acceptSigv4(ctx, authWithDefect(f.defect, verify, ctx.raw.headers, ctx.keyStore.accessKeyIds[0]));
}

/** resolve, method and sigv4 under the rules: where a request's faults are decided. */
function entryStages(
  plan: FaultSource,
  deps: XksDeps,
  spec: XksStages,
  decided: Decided,
  answers: AnswerDefects,
): Pick<XksStages, 'resolve' | 'method' | 'sigv4'> {
  const crypto = specCrypto(deps);
  return {
    resolve(incoming) {
      const at = parseXksPath(incoming.path);
      const keyStore = at
        ? (deps.registry.byUriPathPrefix(at.prefix) ?? keyStoreForAnyPrefix(plan, deps, incoming))
        : undefined;
      if (!at || !keyStore) throw noSuchPath();
      const withFaults = (f: RequestFaults | undefined) => {
        const callCrypto = f ? faultedCrypto(deps, crypto, f.defect, at.route.operation) : crypto;
        const ctx = contextOf(incoming, at, keyStore, callCrypto);
        if (f) decided.set(ctx, f);
        return ctx;
      };
      const f = plan.forRequest(keyStore.name, at.keyId, at.route.operation);
      return f instanceof Promise ? f.then(withFaults) : withFaults(f);
    },
    method(ctx) {
      const f = decided.get(ctx);
      if (f?.drop || answers.pipelined(f?.defect, ctx.http)) return dropConnection(ctx.http);
      if (f?.defect === 'get-200' && ctx.raw.method !== 'POST') {
        return ctx.http.body('{}', 200, jsonHeaders(undefined));
      }
      return spec.method(ctx);
    },
    sigv4(ctx) {
      const f = decided.get(ctx);
      if (!f) return spec.sigv4(ctx);
      faultedSigv4(ctx, f, deps.clock());
    },
  };
}

/** run and the answers under the rules: module and response latency, answer defects. */
function exitStages(
  plan: FaultSource,
  spec: XksStages,
  decided: Decided,
  answers: AnswerDefects,
  run: FaultedRun,
): Pick<XksStages, 'run' | 'answer' | 'refuse'> {
  return {
    run(ctx) {
      const f = decided.get(ctx);
      return f ? run(ctx, f) : spec.run(ctx);
    },
    async answer(ctx, result) {
      const f = decided.get(ctx);
      if (!f) return spec.answer(ctx, result);
      if (f.responseDelayMs) await delay(f.responseDelayMs);
      await answers.hold(f.defect, ctx.http);
      const served =
        f.defect === 'encrypt-cached' && ctx.route.operation === 'Encrypt'
          ? answers.cachedEncrypt(ctx.keyStore.name, ctx.keyId, ctx.request, result)
          : result;
      const body = jsonText(f.defect, resultWithFaults(f, served));
      return ctx.http.body(body, 200, jsonHeaders(f.defect));
    },
    async refuse(http, ctx, error, wire) {
      const f = ctx && decided.get(ctx);
      if (f?.responseDelayMs) await delay(f.responseDelayMs);
      await answers.hold(f?.defect ?? plan.defect, http);
      const out = errorWithDefect(f?.defect ?? plan.defect, error.errorName, wire);
      return http.body(out.body, out.status as 400, out.headers);
    },
  };
}

/**
 * The XKS stages with the fault plan's rules and defect applied: each wraps the stage of the same
 * name of `base` (the spec's, or a worker's). The rules are evaluated once per request, when
 * `resolve` knows the key store, key and operation; the handler uses these stages only while the
 * plan is active. `run` performs a call that has faults (default: here, with `delayedCall`).
 */
export function faultedStages(
  plan: FaultSource,
  deps: XksDeps,
  options: { base?: XksStages | undefined; run?: FaultedRun | undefined } = {},
): XksStages {
  const spec = options.base ?? specStages(deps);
  const run: FaultedRun =
    options.run ??
    ((ctx, f) => (f.moduleDelayMs ? delayedCall(ctx, f.moduleDelayMs) : spec.run(ctx)));
  const decided: Decided = new WeakMap();
  const answers = new AnswerDefects();
  return {
    ...entryStages(plan, deps, spec, decided, answers),
    body: spec.body,
    quota(ctx) {
      spec.quota(ctx);
      if (decided.get(ctx)?.throttled) throw quotaThrottled();
    },
    validate(ctx) {
      spec.validate(ctx);
      const defect = decided.get(ctx)?.defect;
      if (defect) refuseByDefect(defect, ctx.json);
    },
    authorize(ctx) {
      spec.authorize(ctx);
      const error = decided.get(ctx)?.error;
      if (error) throw new XksError(error, 'Injected by a fault rule');
    },
    ...exitStages(plan, spec, decided, answers, run),
  };
}
