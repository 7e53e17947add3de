import type * as Pkcs11js from 'pkcs11js';
import type { KeyUsage } from '../types.ts';
import type { Pkcs11Config } from './pkcs11-config.ts';
import { isStaleHandle } from './pkcs11-errors.ts';
import type { Handle, Pkcs11Library } from './pkcs11-library.ts';
import { Pkcs11Sessions, slotNumber } from './pkcs11-sessions.ts';

/** AES-256: the only key an XKS key id may name here (CKK_AES, CKA_VALUE_LEN 32). */
const AES_256_BYTES = 32;
const GCM_TAG_BITS = 128;
const GCM_TAG_BYTES = 16;
/** Most secret keys one listing reads from the token. */
const FIND_MAX = 10_000;

/** A secret key of the token, as its attributes describe it. */
export type TokenKey = {
  label: string;
  usage: KeyUsage[];
  /** CKA_LOCAL: generated inside the token (else imported or unwrapped). */
  local: boolean;
};

/** What a health probe read from the token (C_GetTokenInfo). */
export type TokenProbe = {
  slot: number;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  firmware: string;
  hardware: string;
};

const USAGE_ATTRIBUTES = [
  ['ENCRYPT', 'CKA_ENCRYPT'],
  ['DECRYPT', 'CKA_DECRYPT'],
  ['WRAP', 'CKA_WRAP'],
  ['UNWRAP', 'CKA_UNWRAP'],
] as const;

function buffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function bytesOf(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A CK_ULONG attribute value (host byte order: little-endian on the platforms Node runs on). */
function ulong(value: Buffer | undefined): number | undefined {
  if (value === undefined || value.length === 0) return undefined;
  return value.length >= 8 ? Number(value.readBigUInt64LE(0)) : value.readUIntLE(0, value.length);
}

function version(v: Pkcs11js.Version): string {
  return `${v.major}.${v.minor}`;
}

/**
 * The keys of one token: XKS key id = CKA_LABEL of a CKO_SECRET_KEY of type CKK_AES, 32 bytes,
 * CKA_TOKEN true. Key handles are cached by label; a handle the token no longer knows, a reset of
 * the session pool or a key generated here drops the cached handle.
 */
export class Pkcs11Token {
  readonly sessions: Pkcs11Sessions;
  /** Handles and attributes of keys found lately, by label. */
  readonly #handles = new Map<string, { handle: Handle; key: TokenKey }>();
  readonly #api: typeof Pkcs11js;
  readonly #p11: Pkcs11js.PKCS11;
  readonly #lib: Pkcs11Library;

  constructor(lib: Pkcs11Library, config: Pkcs11Config, pin: () => Promise<string>) {
    this.#lib = lib;
    this.#api = lib.api;
    this.#p11 = lib.p11;
    this.sessions = new Pkcs11Sessions(lib, config, pin, {
      onReset: () => this.#handles.clear(),
    });
  }

  /** The key's attributes, or undefined when the token has no such AES-256 secret key. */
  describe(label: string): Promise<TokenKey | undefined> {
    return this.sessions.use((s) => {
      this.#handles.delete(label);
      return this.#find(s, label)?.key;
    });
  }

  /**
   * The key's attributes as found lately (cached with its handle: the hot path's check of
   * existence and usage costs no call into the library), or read from the token.
   */
  key(label: string): Promise<TokenKey | undefined> {
    const cached = this.#handles.get(label);
    if (cached !== undefined) return Promise.resolve(cached.key);
    return this.sessions.use((s) => this.#find(s, label)?.key);
  }

  /** The labels of every AES-256 secret key on the token, sorted by byte order. */
  labels(): Promise<string[]> {
    return this.sessions.use((s) => {
      const api = this.#api;
      this.#p11.C_FindObjectsInit(s, this.#template());
      let handles: Handle[];
      try {
        handles = this.#p11.C_FindObjects(s, FIND_MAX);
      } finally {
        this.#p11.C_FindObjectsFinal(s);
      }
      const labels = new Set<string>();
      for (const h of handles) {
        const [label, len] = this.#p11.C_GetAttributeValue(s, h, [
          { type: api.CKA_LABEL },
          { type: api.CKA_VALUE_LEN },
        ]);
        if (label?.value === undefined || ulong(len?.value) !== AES_256_BYTES) {
          continue;
        }
        labels.add(label.value.toString('utf8'));
      }
      return [...labels].sort();
    });
  }

  /**
   * Generates an AES-256 key in the token (CKM_AES_KEY_GEN): CKA_TOKEN, CKA_SENSITIVE, not
   * extractable, private, usage flags from `usage`. Not retried on a lost session, so a key is
   * never generated twice. (No CKA_START_DATE: pkcs11js 2.1 crashes on Date attributes.)
   */
  generate(label: string, usage: readonly KeyUsage[]): Promise<TokenKey> {
    return this.sessions.use((s) => {
      const api = this.#api;
      const flags = USAGE_ATTRIBUTES.map(([u, attr]) => ({
        type: api[attr],
        value: usage.includes(u),
      }));
      const handle = this.#p11.C_GenerateKey(s, { mechanism: api.CKM_AES_KEY_GEN }, [
        { type: api.CKA_CLASS, value: api.CKO_SECRET_KEY },
        { type: api.CKA_KEY_TYPE, value: api.CKK_AES },
        { type: api.CKA_VALUE_LEN, value: AES_256_BYTES },
        { type: api.CKA_LABEL, value: label },
        { type: api.CKA_TOKEN, value: true },
        { type: api.CKA_PRIVATE, value: true },
        { type: api.CKA_SENSITIVE, value: true },
        { type: api.CKA_EXTRACTABLE, value: false },
        ...flags,
      ]);
      const key = this.#attributes(s, handle);
      this.#handles.set(label, { handle, key });
      return key;
    }, false);
  }

  /** CKM_AES_GCM with a 128-bit tag: the IV is the caller's (12 bytes from the CSPRNG). */
  encrypt(
    label: string,
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Promise<{ ciphertext: Uint8Array; tag: Uint8Array }> {
    return this.#withKey(label, async (s, key) => {
      this.#p11.C_EncryptInit(s, this.#gcm(iv, aad), key);
      const out = await this.#p11.C_EncryptAsync(
        s,
        buffer(plaintext),
        Buffer.alloc(plaintext.length + GCM_TAG_BYTES),
      );
      const split = out.length - GCM_TAG_BYTES;
      return { ciphertext: bytesOf(out.subarray(0, split)), tag: bytesOf(out.subarray(split)) };
    });
  }

  /** The inverse of encrypt: the token checks the tag (ciphertext || tag in). */
  decrypt(
    label: string,
    iv: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array,
  ): Promise<Uint8Array> {
    return this.#withKey(label, async (s, key) => {
      this.#p11.C_DecryptInit(s, this.#gcm(iv, aad), key);
      const input = Buffer.concat([ciphertext, tag]);
      const out = await this.#p11.C_DecryptAsync(s, input, Buffer.alloc(input.length));
      return bytesOf(out);
    });
  }

  /**
   * The health probe: the slot is looked up, a logged-in session taken from the pool (opened if
   * none is idle) and C_GetTokenInfo read, as the reference proxy reports it.
   */
  probe(): Promise<TokenProbe> {
    return this.sessions.use((s) => {
      const slot = this.sessions.slot();
      let info: Pkcs11js.TokenInfo;
      try {
        this.#p11.C_GetSessionInfo(s);
        info = this.#p11.C_GetTokenInfo(slot);
      } catch (e) {
        // A token that fails its probe (removed, its store gone: SoftHSMv2 answers
        // CKR_GENERAL_ERROR) drops the pool, so the next call looks the token up afresh.
        this.sessions.reset(e, { reinitialize: true });
        throw e;
      }
      return {
        slot: slotNumber(slot),
        label: info.label.trim(),
        manufacturer: info.manufacturerID.trim(),
        model: info.model.trim(),
        serial: info.serialNumber.trim(),
        firmware: version(info.firmwareVersion),
        hardware: version(info.hardwareVersion),
      };
    });
  }

  /** Drops the cached handle of a key (after a change made outside this object). */
  forget(label: string): void {
    this.#handles.delete(label);
  }

  close(): void {
    this.sessions.close();
    this.#handles.clear();
    this.#lib.release();
  }

  /** Runs `fn` with the key's handle; a stale cached handle is dropped and looked up once more. */
  #withKey<T>(label: string, fn: (s: Handle, key: Handle) => Promise<T>): Promise<T> {
    return this.sessions.use(async (s) => {
      for (let attempt = 0; ; attempt++) {
        const found = this.#find(s, label);
        if (found === undefined) throw new KeyMissing(label);
        try {
          return await fn(s, found.handle);
        } catch (e) {
          if (attempt > 0 || !isStaleHandle(e)) throw e;
          this.#handles.delete(label);
        }
      }
    });
  }

  #template(label?: string): Pkcs11js.Template {
    const api = this.#api;
    return [
      { type: api.CKA_CLASS, value: api.CKO_SECRET_KEY },
      { type: api.CKA_KEY_TYPE, value: api.CKK_AES },
      { type: api.CKA_TOKEN, value: true },
      ...(label === undefined ? [] : [{ type: api.CKA_LABEL, value: label }]),
    ];
  }

  #find(s: Handle, label: string): { handle: Handle; key: TokenKey } | undefined {
    const cached = this.#handles.get(label);
    if (cached !== undefined) return cached;
    this.#p11.C_FindObjectsInit(s, this.#template(label));
    let handles: Handle[];
    try {
      handles = this.#p11.C_FindObjects(s, 2);
    } finally {
      this.#p11.C_FindObjectsFinal(s);
    }
    const handle = handles[0];
    if (handle === undefined) return undefined;
    const [len] = this.#p11.C_GetAttributeValue(s, handle, [{ type: this.#api.CKA_VALUE_LEN }]);
    if (ulong(len?.value) !== AES_256_BYTES) return undefined;
    const found = { handle, key: this.#attributes(s, handle) };
    this.#handles.set(label, found);
    return found;
  }

  #attributes(s: Handle, handle: Handle): TokenKey {
    const api = this.#api;
    const types = [api.CKA_LABEL, api.CKA_LOCAL, ...USAGE_ATTRIBUTES.map(([, a]) => api[a])];
    const values = this.#p11.C_GetAttributeValue(
      s,
      handle,
      types.map((type) => ({ type })),
    );
    const flag = (i: number) => values[i]?.value?.[0] === 1;
    return {
      label: values[0]?.value?.toString('utf8') ?? '',
      usage: USAGE_ATTRIBUTES.filter((_, i) => flag(2 + i)).map(([u]) => u),
      local: flag(1),
    };
  }

  #gcm(iv: Uint8Array, aad: Uint8Array): Pkcs11js.Mechanism {
    const api = this.#api;
    return {
      mechanism: api.CKM_AES_GCM,
      parameter: {
        type: api.CK_PARAMS_AES_GCM,
        iv: buffer(iv),
        ivBits: iv.length * 8,
        ...(aad.length === 0 ? {} : { aad: buffer(aad) }),
        tagBits: GCM_TAG_BITS,
      } as Pkcs11js.GcmParams,
    };
  }
}

/** The token has no AES-256 secret key with this label (the caller turns it into KEY_NOT_FOUND). */
export class KeyMissing extends Error {
  readonly label: string;
  constructor(label: string) {
    super(`no AES-256 secret key labelled ${label} in the token`);
    this.name = 'KeyMissing';
    this.label = label;
  }
}
