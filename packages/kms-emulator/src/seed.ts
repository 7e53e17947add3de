/**
 * A seed file: external key stores, keys, aliases, tags and key policies an emulator starts with,
 * so a test suite begins from fixtures. Every entry is applied through the action of the API
 * call it stands for (CreateCustomKeyStore, ConnectCustomKeyStore, CreateKey, CreateAlias,
 * DisableKey), so a seed is refused exactly where the API would refuse it. Applied only to an
 * emulator with no state (a state file that already holds one keeps it).
 */
import { z } from 'zod';
import type { CallContext } from './core.ts';
import type { KmsEmulator } from './emulator.ts';
import { isKmsError } from './errors.ts';

const Tag = z.strictObject({ TagKey: z.string(), TagValue: z.string() });

const SeedKeyStore = z.strictObject({
  CustomKeyStoreName: z.string().min(1),
  XksProxyUriEndpoint: z.string().min(1),
  XksProxyUriPath: z.string().min(1),
  XksProxyAuthenticationCredential: z.strictObject({
    AccessKeyId: z.string(),
    RawSecretAccessKey: z.string(),
  }),
  /** Connect the store before creating its keys (default true; keys need a connected store). */
  Connect: z.boolean().default(true),
});

/** CreateKey's members, a key store named instead of its generated id, aliases and a state. */
const SeedKey = z.strictObject({
  Description: z.string().optional(),
  KeyUsage: z.string().optional(),
  KeySpec: z.string().optional(),
  CustomerMasterKeySpec: z.string().optional(),
  Origin: z.string().optional(),
  CustomKeyStoreName: z.string().optional(),
  XksKeyId: z.string().optional(),
  MultiRegion: z.boolean().optional(),
  Policy: z.string().optional(),
  BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
  Tags: z.array(Tag).optional(),
  Aliases: z.array(z.string()).default([]),
  Enabled: z.boolean().default(true),
});

export const SeedDocument = z.strictObject({
  customKeyStores: z.array(SeedKeyStore).default([]),
  keys: z.array(SeedKey).default([]),
});
export type SeedDocument = z.infer<typeof SeedDocument>;

export class SeedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SeedError';
  }
}

/** What applying a seed needs from the emulator: its actions, and a way to let time pass. */
export type SeedTarget = {
  call(action: string, body: unknown, call: CallContext): Promise<object>;
  newRequestId(): string;
  principal: CallContext['principal'];
  /** Lets a connection attempt progress (a real delay, or a test scheduler's advance). */
  wait(): Promise<void>;
};

export type SeedOutcome = { applied: boolean; keyStores: number; keys: number; aliases: number };

/** Parses a seed file's text; strict, so a typo fails with every problem listed. */
export function parseSeed(text: string): SeedDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SeedError(`the seed file is not JSON: ${e instanceof Error ? e.message : e}`);
  }
  const parsed = SeedDocument.safeParse(json);
  if (!parsed.success) {
    throw new SeedError(`the seed file is not valid:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

async function step<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (isKmsError(e))
      throw new SeedError(`seed ${where}: ${e.errorName}: ${e.message}`, { cause: e });
    throw e;
  }
}

async function isEmpty(target: SeedTarget, ctx: () => CallContext): Promise<boolean> {
  const keys = (await target.call('ListKeys', {}, ctx())) as { Keys: unknown[] };
  const stores = (await target.call('DescribeCustomKeyStores', {}, ctx())) as {
    CustomKeyStores: unknown[];
  };
  return keys.Keys.length === 0 && stores.CustomKeyStores.length === 0;
}

async function connect(target: SeedTarget, ctx: () => CallContext, id: string, where: string) {
  await step(where, () => target.call('ConnectCustomKeyStore', { CustomKeyStoreId: id }, ctx()));
  for (;;) {
    const described = (await target.call(
      'DescribeCustomKeyStores',
      { CustomKeyStoreId: id },
      ctx(),
    )) as { CustomKeyStores: { ConnectionState: string; ConnectionErrorCode?: string }[] };
    const store = described.CustomKeyStores[0];
    if (store?.ConnectionState === 'CONNECTED') return;
    if (store?.ConnectionState !== 'CONNECTING') {
      throw new SeedError(
        `seed ${where}: the key store did not connect (${store?.ConnectionState}, ${store?.ConnectionErrorCode ?? 'no error code'})`,
      );
    }
    await target.wait();
  }
}

/** Applies a seed to an empty emulator; leaves an emulator with state as it is. */
export async function applySeed(target: SeedTarget, seed: SeedDocument): Promise<SeedOutcome> {
  const ctx = (): CallContext => ({
    requestId: target.newRequestId(),
    principal: target.principal,
  });
  const outcome: SeedOutcome = { applied: false, keyStores: 0, keys: 0, aliases: 0 };
  if (!(await isEmpty(target, ctx))) return outcome;
  outcome.applied = true;
  const storeIds = new Map<string, string>();
  for (const [i, entry] of seed.customKeyStores.entries()) {
    const where = `customKeyStores[${i}] (${entry.CustomKeyStoreName})`;
    const { Connect, ...request } = entry;
    const created = (await step(where, () =>
      target.call(
        'CreateCustomKeyStore',
        {
          CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
          XksProxyConnectivity: 'PUBLIC_ENDPOINT',
          ...request,
        },
        ctx(),
      ),
    )) as { CustomKeyStoreId: string };
    storeIds.set(entry.CustomKeyStoreName, created.CustomKeyStoreId);
    if (Connect) await connect(target, ctx, created.CustomKeyStoreId, where);
    outcome.keyStores += 1;
  }
  for (const [i, entry] of seed.keys.entries()) {
    const where = `keys[${i}]`;
    const { CustomKeyStoreName, Aliases, Enabled, ...request } = entry;
    let CustomKeyStoreId: string | undefined;
    if (CustomKeyStoreName !== undefined) {
      CustomKeyStoreId = storeIds.get(CustomKeyStoreName);
      if (!CustomKeyStoreId) {
        throw new SeedError(
          `seed ${where}: no custom key store named ${CustomKeyStoreName} in the seed`,
        );
      }
    }
    const created = (await step(where, () =>
      target.call(
        'CreateKey',
        { ...request, ...(CustomKeyStoreId ? { CustomKeyStoreId } : {}) },
        ctx(),
      ),
    )) as { KeyMetadata: { KeyId: string } };
    const keyId = created.KeyMetadata.KeyId;
    outcome.keys += 1;
    for (const alias of Aliases) {
      await step(`${where} alias ${alias}`, () =>
        target.call('CreateAlias', { AliasName: alias, TargetKeyId: keyId }, ctx()),
      );
      outcome.aliases += 1;
    }
    if (!Enabled) await step(where, () => target.call('DisableKey', { KeyId: keyId }, ctx()));
  }
  return outcome;
}

/** The seed target of an emulator, calling as its first local credential. */
export function seedTargetOf(emulator: KmsEmulator, wait: () => Promise<void>): SeedTarget {
  const credential = emulator.credentials()[0];
  return {
    call: (action, body, call) => emulator.call(action, body, call),
    newRequestId: () => emulator.newRequestId(),
    principal: {
      accessKeyId: credential?.accessKeyId ?? 'seed',
      arn: credential?.principalArn ?? 'seed',
      viaService: credential?.viaService,
    },
    wait,
  };
}
