import { isXksErrorName, XKS_ERRORS } from '@xkslab/protocol';
import { defineCheck } from '../check.ts';
import type { CheckContext, Exchange } from '../context.ts';
import {
  CheckSkipped,
  clip,
  errorBodyProblem,
  errorNameOf,
  fail,
  isJsonContentType,
  isOneLine,
  parseJson,
} from '../expect.ts';
import { summarizeResponse } from '../redact.ts';

/**
 * Checks that judge every POST answer the run has seen so far, errors included; they run after
 * the functional checks. A failure names the first offender and how many there were.
 */
function judgeAll(
  ctx: CheckContext,
  select: (e: Exchange) => boolean,
  problem: (e: Exchange) => string | undefined,
  what: string,
) {
  const seen = ctx.run.exchanges.filter(select);
  if (seen.length === 0) throw new CheckSkipped(`no ${what} seen in this run`);
  const bad = seen
    .map((e) => ({ e, problem: problem(e) }))
    .filter((x): x is { e: Exchange; problem: string } => x.problem !== undefined);
  const first = bad[0];
  if (first) {
    ctx.lastSent = { method: first.e.method, path: first.e.path, headers: {}, body: '' };
    ctx.lastReceived = summarizeResponse(
      first.e.status,
      first.e.contentType === undefined ? {} : { 'content-type': first.e.contentType },
      first.e.text,
    );
    fail(
      `${bad.length} of ${seen.length} ${what}: first in ${first.e.checkId}, ${first.e.method} ${first.e.path} -> ${first.e.status}: ${first.problem}`,
    );
  }
  ctx.note(`${seen.length} ${what} checked`);
}

export const formatChecks = [
  defineCheck({
    id: 'format.content-type',
    title: 'Every answer, errors included, is Content-Type: application/json',
    specRef: '§1.1',
    severity: 'MUST',
    why: 'KMS expects JSON answers; an answer without application/json is a malformed response.',
    async run(ctx) {
      judgeAll(
        ctx,
        () => true,
        (e) =>
          isJsonContentType(e.contentType)
            ? undefined
            : `Content-Type ${e.contentType === undefined ? 'missing' : JSON.stringify(e.contentType)}`,
        'answers',
      );
    },
  }),
  defineCheck({
    id: 'format.compact-json',
    title: 'Every JSON answer is compact, one-line JSON',
    specRef: '§4',
    severity: 'MUST',
    why: 'Clients written in shell read the answer from its last line; multi-line JSON breaks them.',
    async run(ctx) {
      judgeAll(
        ctx,
        (e) => parseJson(e.text).ok,
        (e) => (isOneLine(e.text) ? undefined : `JSON over several lines: ${clip(e.text, 60)}`),
        'JSON answers',
      );
    },
  }),
  defineCheck({
    id: 'format.error-body',
    title: 'Every error is a JSON object with a known errorName and a safe errorMessage',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'KMS treats an error without a JSON body and a known errorName as a malformed response, and logs errorMessage for the customer.',
    async run(ctx) {
      judgeAll(
        ctx,
        (e) => e.status >= 400,
        (e) => errorBodyProblem(e.text),
        'error answers',
      );
    },
  }),
  defineCheck({
    id: 'format.error-status',
    title: 'Every errorName comes with the HTTP status the spec gives it',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'KMS decides on retries from the status; an errorName with the wrong status is misread.',
    async run(ctx) {
      judgeAll(
        ctx,
        (e) => e.status !== 200 && errorNameOf(e.text) !== undefined,
        (e) => {
          const name = errorNameOf(e.text) as string;
          if (!isXksErrorName(name)) return undefined; // format.error-body reports it
          const status = XKS_ERRORS[name].status;
          return status === e.status ? undefined : `${name} with status ${e.status}, not ${status}`;
        },
        'error answers',
      );
    },
  }),
];
