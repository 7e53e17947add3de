import { VcmError } from '../crypto/errors.ts';

/**
 * Where a `pkcs11` module's keys live: a PKCS#11 library, one token in it (by slot id or token
 * label) and where its user PIN comes from. The PIN itself is never stored: only the name of the
 * environment variable, or the path of a file readable by its owner only, that holds it.
 */
export type Pkcs11Config = {
  /** Absolute path of the PKCS#11 v2.40 library (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  library: string;
  slot?: number;
  tokenLabel?: string;
  pinEnv?: string;
  pinFile?: string;
};

/** Reads a module's PIN from where its config says: the embedder decides how (env, file). */
export type Pkcs11PinSource = (config: Pkcs11Config) => Promise<string>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** CK_TOKEN_INFO.label is 32 bytes, blank padded. */
const TOKEN_LABEL_MAX = 32;
const PATH_MAX = 4096;

function invalid(message: string): VcmError {
  return new VcmError('INVALID_INPUT', message);
}

function checkPath(value: unknown, what: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > PATH_MAX) {
    throw invalid(`${what} must be an absolute path`);
  }
  if (value.includes('\0')) throw invalid(`${what} must not contain NUL`);
  return value;
}

/**
 * Checks a config and returns a copy with only its known fields: a library path, exactly one of
 * slot and tokenLabel, exactly one of pinEnv and pinFile. INVALID_INPUT otherwise.
 */
export function checkPkcs11Config(input: unknown): Pkcs11Config {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalid('pkcs11 must be an object');
  }
  const c = input as Record<string, unknown>;
  const config: Pkcs11Config = { library: checkPath(c.library, 'the PKCS#11 library') };
  if ((c.slot === undefined) === (c.tokenLabel === undefined)) {
    throw invalid('name the token with exactly one of slot and tokenLabel');
  }
  if (c.slot !== undefined) {
    if (!Number.isSafeInteger(c.slot) || (c.slot as number) < 0) {
      throw invalid('slot must be a non-negative integer');
    }
    config.slot = c.slot as number;
  } else {
    const label = c.tokenLabel;
    if (typeof label !== 'string' || label.length < 1 || label.length > TOKEN_LABEL_MAX) {
      throw invalid(`tokenLabel must be 1-${TOKEN_LABEL_MAX} characters`);
    }
    config.tokenLabel = label;
  }
  if ((c.pinEnv === undefined) === (c.pinFile === undefined)) {
    throw invalid('give the PIN source with exactly one of pinEnv and pinFile');
  }
  if (c.pinEnv !== undefined) {
    if (typeof c.pinEnv !== 'string' || !ENV_NAME.test(c.pinEnv)) {
      throw invalid('pinEnv must be an environment variable name');
    }
    config.pinEnv = c.pinEnv;
  } else {
    config.pinFile = checkPath(c.pinFile, 'pinFile');
  }
  return config;
}

/** The config as stored and shown: fixed field order, absent fields left out. */
export function pkcs11ConfigBody(c: Pkcs11Config): Pkcs11Config {
  return {
    library: c.library,
    ...(c.slot === undefined ? {} : { slot: c.slot }),
    ...(c.tokenLabel === undefined ? {} : { tokenLabel: c.tokenLabel }),
    ...(c.pinEnv === undefined ? {} : { pinEnv: c.pinEnv }),
    ...(c.pinFile === undefined ? {} : { pinFile: c.pinFile }),
  };
}

/** How a token is named in messages. */
export function tokenName(c: Pkcs11Config): string {
  return c.tokenLabel === undefined ? `slot ${c.slot}` : `token '${c.tokenLabel}'`;
}
