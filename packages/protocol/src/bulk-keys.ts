import { z } from 'zod';
import { KeyUsageValue } from './seed.ts';

/** Most keys one bulk request creates (one atomic, synced batch in the module). */
export const BULK_KEYS_MAX = 10_000;

/**
 * POST /admin/v1/modules/{module}/keys/bulk: `count` keys named `<idPrefix><start>` ..
 * `<idPrefix><start + count - 1>`, all or none (load tests and scale benchmarks).
 */
export const BulkCreateKeysRequest = z
  .strictObject({
    idPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, 'use 1-100 characters of A-Z a-z 0-9 . _ -'),
    count: z.int().min(1).max(BULK_KEYS_MAX),
    start: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    usage: z
      .array(KeyUsageValue)
      .max(4)
      .refine((u) => new Set(u).size === u.length, 'usage repeats a value')
      .default(['ENCRYPT', 'DECRYPT']),
  })
  .meta({ id: 'BulkCreateKeysRequest' });
export type BulkCreateKeysRequest = z.infer<typeof BulkCreateKeysRequest>;

export const BulkCreateKeysResponse = z
  .object({ module: z.string(), created: z.int(), firstId: z.string(), lastId: z.string() })
  .meta({ id: 'BulkCreateKeysResponse' });
export type BulkCreateKeysResponse = z.infer<typeof BulkCreateKeysResponse>;
