const encoder = new TextEncoder();

/**
 * Compares two strings in UTF-8 byte order, the order LevelDB keeps keys in. JavaScript's `<`
 * compares UTF-16 code units, which disagrees for characters above U+FFFF versus U+E000-U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Where a listing of `prefix` starts: `gte` the prefix, or `gt` an `after` inside it. `undefined`
 * when `after` sorts past every key of the prefix (nothing to list).
 */
export function listStart(
  prefix: string,
  after: string | undefined,
): { gte: string } | { gt: string } | undefined {
  if (after === undefined || compareKeys(after, prefix) < 0) return { gte: prefix };
  if (after.startsWith(prefix)) return { gt: after };
  return undefined;
}
