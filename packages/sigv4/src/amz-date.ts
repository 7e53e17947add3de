/** `YYYYMMDD'T'HHMMSS'Z'`, the SigV4 timestamp form of X-Amz-Date. */
export function formatAmzDate(d: Date): string {
  const year = d.getUTCFullYear();
  if (!Number.isFinite(year) || year < 0 || year > 9999) {
    throw new RangeError('date cannot be written as an X-Amz-Date');
  }
  // toISOString() is 'YYYY-MM-DDTHH:MM:SS.sssZ' for years 0..9999.
  const iso = d.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * The last string parsed and its time (NaN: not a valid X-Amz-Date). Every request KMS signs in
 * one second carries the same X-Amz-Date, so a verifier at 1,800 req/s parses each value once.
 */
let last: { text: string; ms: number } = { text: '', ms: Number.NaN };

/** Strict inverse of formatAmzDate: anything else (or an impossible date) is undefined. */
export function parseAmzDate(s: string): Date | undefined {
  if (s !== last.text) last = { text: s, ms: parseStrict(s) };
  return Number.isNaN(last.ms) ? undefined : new Date(last.ms);
}

function parseStrict(s: string): number {
  const m = AMZ_DATE.exec(s);
  if (m === null) return Number.NaN;
  const [, y, mo, d, h, mi, se] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  // Date.UTC rolls over out-of-range fields (month 13, Feb 30, 24:00); a round trip rejects them.
  // It also maps years 0..99 to 1900..1999, which the round trip rejects too.
  if (Number.isNaN(ms) || formatAmzDate(new Date(ms)) !== s) return Number.NaN;
  return ms;
}
