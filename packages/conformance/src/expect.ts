import { ERROR_MESSAGE_MAX, isXksErrorName, XKS_ERRORS, type XksErrorName } from '@xkslab/protocol';
import type { z } from 'zod';

/** A check's verdict "fail", with what went wrong in one or two sentences. */
export class CheckFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailure';
  }
}

/** A check that could not judge anything (an input missing, nothing seen): status `skip`. */
export class CheckSkipped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckSkipped';
  }
}

/** A check that does not apply to this proxy (an optional field it never sends): status `na`. */
export class CheckNotApplicable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckNotApplicable';
  }
}

/** A response as the checks see it. */
export type Reply = {
  status: number;
  contentType: string | undefined;
  text: string;
  durationMs: number;
  /** The proxy's time for the call, connection set-up excluded (WireResponse.answerMs). */
  answerMs?: number;
  /** How long the runner itself was stalled while it waited (StallMonitor). */
  runnerStallMs?: number;
};

export function fail(message: string): never {
  throw new CheckFailure(message);
}

/** True for `application/json`, optionally with parameters (`; charset=utf-8`). */
export function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && /^application\/json\s*(;|$)/i.test(value.trim());
}

/**
 * True when the body is one line (§4: shell clients read the last line): no CR or LF inside; one
 * trailing newline is tolerated.
 */
export function isOneLine(text: string): boolean {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return !/[\r\n]/.test(body);
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * What is wrong with an error body under §1.7, or undefined: a JSON object with a known
 * `errorName` and, when present, an `errorMessage` shorter than 512 printable ASCII characters.
 */
export function errorBodyProblem(text: string): string | undefined {
  const parsed = parseJson(text);
  if (!parsed.ok) return `error body is not JSON: ${clip(text, 60)}`;
  const body = parsed.value;
  if (!isObject(body)) return 'error body is not a JSON object';
  const { errorName, errorMessage } = body;
  if (typeof errorName !== 'string') return 'error body has no errorName string';
  if (!isXksErrorName(errorName))
    return `errorName ${clip(errorName, 40)} is not an XKS error name`;
  if (errorMessage !== undefined) {
    if (typeof errorMessage !== 'string') return 'errorMessage is not a string';
    if (errorMessage.length > ERROR_MESSAGE_MAX) {
      return `errorMessage is ${errorMessage.length} characters (must be under 512)`;
    }
    if (!/^[\x20-\x7e]*$/.test(errorMessage)) {
      return 'errorMessage has characters outside printable ASCII (0x20-0x7E)';
    }
  }
  return undefined;
}

/** `errorName` of an XKS error body, or undefined. */
export function errorNameOf(text: string): string | undefined {
  const parsed = parseJson(text);
  if (!parsed.ok || !isObject(parsed.value)) return undefined;
  const name = parsed.value.errorName;
  return typeof name === 'string' ? name : undefined;
}

export function clip(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max)}...` : oneLine;
}

/** "400 ValidationException", "200", "404 (text/plain) Not found"... for failure messages. */
export function describeReply(reply: Reply): string {
  const name = errorNameOf(reply.text);
  if (name !== undefined) return `${reply.status} ${clip(name, 40)}`;
  if (reply.status === 200) return '200';
  return `${reply.status} (${reply.contentType ?? 'no content type'}) ${clip(reply.text, 60)}`.trim();
}

/** The answer must be 200 with a JSON body matching `schema`; returns the parsed body. */
export function expectOk<S extends z.ZodType>(reply: Reply, schema: S, what: string): z.infer<S> {
  if (reply.status !== 200) fail(`${what}: expected 200, got ${describeReply(reply)}`);
  const parsed = parseJson(reply.text);
  if (!parsed.ok) fail(`${what}: 200 body is not JSON: ${clip(reply.text, 60)}`);
  const result = schema.safeParse(parsed.value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.length ? issue.path.join('.') : 'body';
    fail(`${what}: response does not match the spec: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** The answer must carry `errorName` with the status the spec gives it (§1.7), both together. */
export function expectError(reply: Reply, errorName: XksErrorName, what: string): void {
  expectOneOf(reply, [errorName], what);
}

export function expectOneOf(reply: Reply, names: readonly XksErrorName[], what: string): void {
  const wanted = names.map((n) => `${XKS_ERRORS[n].status} ${n}`).join(' or ');
  const got = errorNameOf(reply.text);
  const match = names.find((n) => n === got);
  if (match === undefined) fail(`${what}: expected ${wanted}, got ${describeReply(reply)}`);
  if (reply.status !== XKS_ERRORS[match].status) {
    fail(
      `${what}: expected ${wanted}, got ${reply.status} ${match} (the spec gives ${match} status ${XKS_ERRORS[match].status})`,
    );
  }
}

/** Flips the lowest bit of byte `index` (default: the last byte) of a Base64 value. */
export function flipBit(base64: string, index?: number): string {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) return base64;
  const i = index === undefined ? bytes.length - 1 : Math.min(index, bytes.length - 1);
  bytes[i] = (bytes[i] as number) ^ 0x01;
  return bytes.toString('base64');
}
