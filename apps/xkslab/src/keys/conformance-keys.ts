import type { KeyInfo } from '@xkslab/vcm';

/** The keys the conformance suite uses, by the option name each one fills. */
export type ConformanceKeyRole =
  | 'keyId'
  | 'encryptOnlyKeyId'
  | 'decryptOnlyKeyId'
  | 'noUsageKeyId'
  | 'disabledKeyId';

export type ConformanceKeys = Record<ConformanceKeyRole, string | undefined>;

/** What a role needs to know of a key (the Vcm's KeyInfo and the admin API's KeyView both fit). */
export type KeyFacts = {
  id: string;
  state: string;
  blocked: boolean;
  usage: readonly string[];
};

type Usage = KeyInfo['usage'];

/** The key each role gets when the module has none: its id (before any suffix) and usage. */
export const TEST_KEYS: ReadonlyArray<{
  role: ConformanceKeyRole;
  id: string;
  usage: Usage;
  disabled: boolean;
}> = [
  { role: 'keyId', id: 'conformance-key', usage: ['ENCRYPT', 'DECRYPT'], disabled: false },
  { role: 'encryptOnlyKeyId', id: 'conformance-encrypt-only', usage: ['ENCRYPT'], disabled: false },
  { role: 'decryptOnlyKeyId', id: 'conformance-decrypt-only', usage: ['DECRYPT'], disabled: false },
  { role: 'noUsageKeyId', id: 'conformance-no-usage', usage: [], disabled: false },
  {
    role: 'disabledKeyId',
    id: 'conformance-disabled',
    usage: ['ENCRYPT', 'DECRYPT'],
    disabled: true,
  },
];

/** Keys of a module that fit each role of the suite (the first match each). */
export function suggestConformanceKeys(keys: readonly KeyFacts[]): ConformanceKeys {
  const live = keys.filter((k) => k.state === 'ENABLED' && !k.blocked);
  const has = (k: KeyFacts, u: string) => k.usage.includes(u);
  return {
    keyId: live.find((k) => has(k, 'ENCRYPT') && has(k, 'DECRYPT'))?.id,
    encryptOnlyKeyId: live.find((k) => has(k, 'ENCRYPT') && !has(k, 'DECRYPT'))?.id,
    decryptOnlyKeyId: live.find((k) => !has(k, 'ENCRYPT') && has(k, 'DECRYPT'))?.id,
    noUsageKeyId: live.find((k) => !has(k, 'ENCRYPT') && !has(k, 'DECRYPT'))?.id,
    disabledKeyId: keys.find((k) => k.state === 'DISABLED' && !k.blocked)?.id,
  };
}

/** The key operations test keys need: the dashboard passes the Vcm, the CLI the admin API. */
export type TestKeyManager = {
  listKeys(module: string): Promise<readonly KeyFacts[]>;
  createKey(module: string, id: string, usage: Usage): Promise<void>;
  disableKey(module: string, id: string): Promise<void>;
};

/**
 * Creates a key for each role the module has no key for (roles in `given` are left alone) and
 * returns the key of every role. `suffix` makes the ids unique to one run (`conformance-key-<s>`);
 * `onCreated` hears of each key as soon as it exists, so a caller can remove what was made even
 * when a later step fails.
 */
export async function createConformanceKeys(
  manager: TestKeyManager,
  module: string,
  options: {
    suffix?: string;
    given?: Partial<ConformanceKeys>;
    onCreated?: (id: string) => void;
  } = {},
): Promise<{ keys: ConformanceKeys; created: string[] }> {
  const existing = await manager.listKeys(module);
  const keys = { ...suggestConformanceKeys(existing), ...definedOnly(options.given ?? {}) };
  const created: string[] = [];
  for (const plan of TEST_KEYS) {
    if (keys[plan.role] !== undefined) continue;
    const id = options.suffix ? `${plan.id}-${options.suffix}` : plan.id;
    // A key of that name that does not fit the role (re-enabled, blocked...) is not ours to touch.
    if (existing.some((k) => k.id === id)) continue;
    await manager.createKey(module, id, plan.usage);
    created.push(id);
    options.onCreated?.(id);
    if (plan.disabled) await manager.disableKey(module, id);
    keys[plan.role] = id;
  }
  return { keys, created };
}

function definedOnly(given: Partial<ConformanceKeys>): Partial<ConformanceKeys> {
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
}
