/** Checks a proxy's answer against the spec before anything uses it (§1.3-§1.6, §1.7 errors). */
import { decodeBase64, isXksErrorName } from '@xkslab/protocol';
import type { z } from 'zod';
import { isFailure, type XksFailure, type XksOutcome } from './xks-failure.ts';

/** The caller's reason for an answer that does not match the XKS schema. */
const MALFORMED_ANSWER = 'malformed answer';

const decoder = new TextDecoder();

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(body));
  } catch {
    return undefined;
  }
}

function issueOf(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid response';
}

/** Base64 from a validated response body; empty when absent. */
export function b64(text: string | undefined): Uint8Array {
  if (text === undefined || text === '') return new Uint8Array(0);
  const decoded = decodeBase64(text, Number.MAX_SAFE_INTEGER);
  return decoded.ok ? decoded.bytes : new Uint8Array(0);
}

function messageOf(json: unknown): string | undefined {
  const message = (json as { errorMessage?: unknown }).errorMessage;
  return typeof message === 'string' ? message.slice(0, 511) : undefined;
}

/**
 * What a proxy's HTTP answer means: an XKS error body, a body that breaks the spec's schema or
 * the operation's own check, or a usable value.
 */
export function interpretResponse<S extends z.ZodType, T>(
  status: number,
  raw: Uint8Array,
  schema: S,
  check?: (body: z.infer<S>) => T | XksFailure,
): XksOutcome<T> {
  const json = parseJson(raw);
  if (status !== 200) {
    const errorName =
      typeof json === 'object' && json !== null && 'errorName' in json
        ? (json as { errorName: unknown }).errorName
        : undefined;
    if (typeof errorName !== 'string' || !isXksErrorName(errorName)) {
      return {
        ok: false,
        failure: {
          kind: 'invalid-response',
          detail: `HTTP ${status} without an XKS error body`,
        },
      };
    }
    return {
      ok: false,
      failure: {
        kind: 'proxy-error',
        errorName,
        errorMessage: messageOf(json),
      },
    };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // The caller learns only that the answer was malformed: the schema issue names the
    // answer's fields, and the proxy URI may point at a service the caller cannot read.
    return {
      ok: false,
      failure: {
        kind: 'invalid-response',
        detail: MALFORMED_ANSWER,
        logDetail: issueOf(parsed.error),
      },
    };
  }
  const value = check ? check(parsed.data) : (parsed.data as T);
  if (isFailure(value)) return { ok: false, failure: value };
  return { ok: true, value };
}
