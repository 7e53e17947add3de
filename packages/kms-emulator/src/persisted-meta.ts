/** How tags, key policies, rotation and grants are written in the state file (no secrets). */
import { z } from 'zod';
import type { Grant, KeyMeta } from './key-meta.ts';

const StringMap = z.record(z.string(), z.string());

export const StoredKeyMeta = z.strictObject({
  keyId: z.string(),
  tags: z.array(z.tuple([z.string(), z.string()])),
  policy: z.string(),
  rotationEnabled: z.boolean(),
  rotationPeriodDays: z.number().int(),
  nextRotationAt: z.number().optional(),
  rotations: z.array(z.strictObject({ at: z.number(), type: z.enum(['AUTOMATIC', 'ON_DEMAND']) })),
});

export const StoredGrant = z.strictObject({
  grantId: z.string(),
  token: z.string(),
  keyId: z.string(),
  name: z.string().optional(),
  createdAt: z.number(),
  granteePrincipal: z.string(),
  retiringPrincipal: z.string().optional(),
  issuingAccount: z.string(),
  operations: z.array(z.string()),
  constraints: z
    .strictObject({
      EncryptionContextSubset: StringMap.optional(),
      EncryptionContextEquals: StringMap.optional(),
    })
    .optional(),
});

export const StoredAccount = z.strictObject({ region: z.string(), accountId: z.string() });

/** JSON drops undefined members, so the stored records carry only what is set. */
function defined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function encodeMeta(meta: readonly KeyMeta[]): z.infer<typeof StoredKeyMeta>[] {
  return meta.map((m) => defined({ ...m, tags: [...m.tags], rotations: [...m.rotations] }));
}

export function decodeMeta(stored: readonly z.infer<typeof StoredKeyMeta>[]): KeyMeta[] {
  return stored.map((m) => ({ ...m, tags: new Map(m.tags), rotations: [...m.rotations] }));
}

export function encodeGrants(grants: readonly Grant[]): z.infer<typeof StoredGrant>[] {
  return grants.map((g) => defined({ ...g, operations: [...g.operations] }));
}
