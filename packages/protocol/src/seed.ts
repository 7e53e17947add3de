import { z } from 'zod';
import { isStandardBase64 } from './base64.ts';
import {
  ACCESS_KEY_ID_PATTERN,
  EXTERNAL_KEY_ID_PATTERN,
  SECRET_ACCESS_KEY_PATTERN,
  URI_PATH_MAX,
  URI_PATH_PREFIX_PATTERN,
  XKS_API_SUFFIX,
} from './constants.ts';
import { FaultRuleInput } from './faults.ts';

/** Names of modules and key stores: what a user types on the command line. */
export const ResourceName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1-64 characters of A-Z a-z 0-9 . _ -');

export const ExternalKeyId = z
  .string()
  .regex(EXTERNAL_KEY_ID_PATTERN, 'use 1-128 characters of A-Z a-z 0-9 . _ -');

export const KeyUsageValue = z.enum(['ENCRYPT', 'DECRYPT', 'WRAP', 'UNWRAP']);
export const KeyStatusValue = z.enum(['ENABLED', 'DISABLED']);

/** The part of the URI path before /kms/xks/v1: empty, or /segments of A-Z a-z 0-9 / _ - */
export const UriPathPrefix = z
  .string()
  .regex(URI_PATH_PREFIX_PATTERN, 'empty, or start with / and use only A-Z a-z 0-9 / _ -')
  .refine((p) => !p.endsWith('/'), 'must not end with /')
  .refine((p) => p.length + XKS_API_SUFFIX.length <= URI_PATH_MAX, {
    message: `with ${XKS_API_SUFFIX} the path must be at most ${URI_PATH_MAX} characters`,
  });

export const AwsRegion = z.string().regex(/^[a-z]{2}(-[a-z0-9]+)+-\d{1,2}$/, 'not an AWS region');

/** §2.2 credential format. */
export const XksCredential = z.strictObject({
  accessKeyId: z.string().regex(ACCESS_KEY_ID_PATTERN, 'use 20-30 characters of A-Z and 2-7'),
  secretAccessKey: z
    .string()
    .regex(SECRET_ACCESS_KEY_PATTERN, 'use 43-64 characters of a-z A-Z 0-9 / + ='),
});
export type XksCredential = z.infer<typeof XksCredential>;

export const SeedKey = z.strictObject({
  id: ExternalKeyId,
  usage: z
    .array(KeyUsageValue)
    .refine((u) => new Set(u).size === u.length, 'usage repeats a value'),
  status: KeyStatusValue.default('ENABLED'),
  /** Whether 'keys export' (and 'seed export --with-material') may take the material out. */
  exportable: z.boolean().default(false),
  material: z
    .string()
    .refine((s) => isStandardBase64(s) && Buffer.from(s, 'base64').length === 32, {
      message: 'material must be standard Base64 of exactly 32 bytes',
    })
    .optional(),
});
export type SeedKey = z.infer<typeof SeedKey>;

const AbsolutePath = z
  .string()
  .min(2)
  .max(4096)
  .regex(/^\/[^\0]*$/, 'use an absolute path');

/**
 * A `pkcs11` module: its keys live in a PKCS#11 token. The token is named by slot id or token
 * label; the PIN is read by the server from an environment variable or a file only its owner can
 * read (mode 0600), never given here.
 */
export const Pkcs11ModuleConfig = z
  .strictObject({
    library: AbsolutePath,
    slot: z.int().min(0).optional(),
    tokenLabel: z.string().min(1).max(32).optional(),
    pinEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'use an environment variable name')
      .optional(),
    pinFile: AbsolutePath.optional(),
  })
  .refine((c) => (c.slot === undefined) !== (c.tokenLabel === undefined), {
    message: 'name the token with exactly one of slot and tokenLabel',
  })
  .refine((c) => (c.pinEnv === undefined) !== (c.pinFile === undefined), {
    message: 'give exactly one of pinEnv and pinFile',
  })
  .meta({ id: 'Pkcs11ModuleConfig' });
export type Pkcs11ModuleConfig = z.infer<typeof Pkcs11ModuleConfig>;

export const SeedModule = z
  .strictObject({
    name: ResourceName,
    nodes: z.int().min(1).max(10).default(1),
    /** Keys of a `pkcs11` module are generated in its token (no `material`, not exportable). */
    keys: z.array(SeedKey).default([]),
    pkcs11: Pkcs11ModuleConfig.optional(),
  })
  .refine((m) => m.pkcs11 === undefined || m.nodes === 1, {
    message: 'a pkcs11 module has one node: its token',
  });
export type SeedModule = z.infer<typeof SeedModule>;

export const SeedKeyStore = z.strictObject({
  name: ResourceName.optional(),
  uriPathPrefix: UriPathPrefix,
  region: AwsRegion,
  module: ResourceName,
  /** None: the key store exists but no caller can sign for it until a credential is added. */
  credentials: z.array(XksCredential).default([]),
  /** Per key store request quota (spec §1.1 allows ThrottlingException per prefix); absent = none. */
  maxRequestsPerSecond: z.int().positive().optional(),
});
export type SeedKeyStore = z.infer<typeof SeedKeyStore>;

/** Reports `value` at `path` when `seen` already holds it (a duplicate), then remembers it. */
function once(
  seen: Set<string>,
  value: string,
  ctx: { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void },
  path: (string | number)[],
  message: string,
): void {
  if (seen.has(value)) ctx.addIssue({ code: 'custom', path, message });
  seen.add(value);
}

/** A seed file: modules with keys, and key stores. Strict: a typo fails at start-up. */
export const SeedFile = z
  .strictObject({
    $schema: z.string().optional(),
    modules: z.array(SeedModule).default([]),
    keyStores: z.array(SeedKeyStore).default([]),
    /** Fault-injection rules switched on at start (kept in memory only; see README "Faults"). */
    faults: z.array(FaultRuleInput).optional(),
  })
  .superRefine((seed, ctx) => {
    const modules = new Set<string>();
    seed.modules.forEach((m, i) => {
      once(modules, m.name, ctx, ['modules', i, 'name'], 'duplicate module');
      const ids = new Set<string>();
      m.keys.forEach((k, j) => {
        once(ids, k.id, ctx, ['modules', i, 'keys', j, 'id'], 'duplicate key id');
      });
    });
    const prefixes = new Set<string>();
    const accessKeys = new Set<string>();
    seed.keyStores.forEach((s, i) => {
      once(prefixes, s.uriPathPrefix, ctx, ['keyStores', i, 'uriPathPrefix'], 'duplicate prefix');
      s.credentials.forEach((c, j) => {
        once(
          accessKeys,
          c.accessKeyId,
          ctx,
          ['keyStores', i, 'credentials', j, 'accessKeyId'],
          'an access key id must belong to one key store only',
        );
      });
    });
  });
export type SeedFile = z.infer<typeof SeedFile>;
