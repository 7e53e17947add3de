/**
 * Byte equality whose running time depends only on the lengths (public here: both are 32-byte
 * HMACs), not on where the bytes differ. JS engines give no hard guarantee (JIT, GC); this is the
 * usual best effort, like hono's timingSafeEqual and noble's equalBytes.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
