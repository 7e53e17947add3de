import type { HttpRequestParts } from './types.ts';

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

const INNER_WHITESPACE_RUN = /[ \t]{2,}|\t/;
const WHITESPACE_RUNS = /[ \t]+/g;

/** One occurrence: leading/trailing spaces and tabs removed, inner runs collapsed to one space. */
function canonicalOccurrence(v: string): string {
  let start = 0;
  let end = v.length;
  while (start < end && isOws(v.charCodeAt(start))) start++;
  while (end > start && isOws(v.charCodeAt(end - 1))) end--;
  const trimmed = start === 0 && end === v.length ? v : v.slice(start, end);
  return INNER_WHITESPACE_RUN.test(trimmed) ? trimmed.replace(WHITESPACE_RUNS, ' ') : trimmed;
}

/** The raw value(s) of a header by lower-case name; own properties only ('__proto__' is just absent). */
export function headerValue(
  headers: HttpRequestParts['headers'],
  name: string,
): string | readonly string[] | undefined {
  if (!Object.hasOwn(headers, name)) return undefined;
  const v = headers[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0) return v;
  return undefined;
}

/** SigV4 canonical header value: occurrences canonicalized, joined with ','. */
export function canonicalHeaderValue(value: string | readonly string[]): string {
  if (typeof value === 'string') return canonicalOccurrence(value);
  let out = '';
  for (let i = 0; i < value.length; i++) {
    out += `${i === 0 ? '' : ','}${canonicalOccurrence(value[i] ?? '')}`;
  }
  return out;
}
