/**
 * A read-only view of the emulator's state for tools that show it (the xkslab dashboard): custom
 * key stores with their connection state, keys and aliases. Plain copies, never key material nor
 * the proxy credential's secret.
 */
import { type Core, keyStateOf } from './core.ts';
import type { Account } from './ids.ts';
import type {
  ConnectionErrorCode,
  ConnectionState,
  KeyOrigin,
  KeySpec,
  KeyState,
  KeyUsage,
} from './model.ts';

export type KeyStoreView = {
  id: string;
  name: string;
  createdAt: string;
  connectionState: ConnectionState;
  /** Why the last connection attempt failed (set while FAILED). */
  connectionErrorCode?: ConnectionErrorCode;
  uriEndpoint: string;
  uriPath: string;
  /** The proxy credential's access key id (an identifier; its secret is never in a view). */
  accessKeyId: string;
};

export type KeyView = {
  id: string;
  arn: string;
  description: string;
  createdAt: string;
  keySpec: KeySpec;
  keyUsage: KeyUsage;
  /** As DescribeKey shows it (Unavailable while its key store is not connected). */
  state: KeyState;
  origin: KeyOrigin;
  customKeyStoreId?: string;
  xksKeyId?: string;
};

export type AliasView = { name: string; targetKeyId: string };

export type KmsStateView = {
  account: Account;
  keyStores: KeyStoreView[];
  keys: KeyView[];
  aliases: AliasView[];
};

const iso = (ms: number) => new Date(ms).toISOString();

export function stateViewOf(core: Core): KmsStateView {
  return {
    account: { ...core.account },
    keyStores: [...core.keyStores.values()].map((s) => ({
      id: s.id,
      name: s.name,
      createdAt: iso(s.createdAt),
      connectionState: s.connectionState,
      ...(s.connectionErrorCode === undefined
        ? {}
        : { connectionErrorCode: s.connectionErrorCode }),
      uriEndpoint: s.proxy.uriEndpoint,
      uriPath: s.proxy.uriPath,
      accessKeyId: s.proxy.accessKeyId,
    })),
    keys: [...core.keys.values()].map((k) => ({
      id: k.id,
      arn: k.arn,
      description: k.description,
      createdAt: iso(k.createdAt),
      keySpec: k.keySpec,
      keyUsage: k.keyUsage,
      state: keyStateOf(core, k),
      origin: k.origin,
      ...(k.customKeyStoreId === undefined ? {} : { customKeyStoreId: k.customKeyStoreId }),
      ...(k.xksKeyId === undefined ? {} : { xksKeyId: k.xksKeyId }),
    })),
    aliases: [...core.aliases.values()]
      .map((a) => ({ name: a.name, targetKeyId: a.targetKeyId }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
