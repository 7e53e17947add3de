/**
 * A CSPRNG source that draws from `source` in blocks of `blockBytes` and hands the bytes out once
 * each, wiping what it handed out. node:crypto's randomBytes costs about the same for 12 bytes as
 * for 4 KiB (the call, not the bytes, is the price), and the XKS encrypt path asks for a 12-byte
 * IV per request: pooling took it from ~4% of an encrypt's CPU time to a fraction of that
 * (docs/performance.md). Requests larger than a block go straight to the source.
 */
export function pooledRandom(
  source: (n: number) => Uint8Array,
  blockBytes = 4096,
): (n: number) => Uint8Array {
  let block: Uint8Array = new Uint8Array(0);
  let used = 0;
  return (n: number) => {
    if (n > blockBytes) return source(n);
    if (block.length - used < n) {
      block.fill(0);
      block = source(blockBytes);
      used = 0;
    }
    const out = block.slice(used, used + n);
    block.fill(0, used, used + n);
    used += n;
    return out;
  };
}
