import { open } from 'node:fs/promises';
import { type Pkcs11Config, type Pkcs11PinSource, VcmError } from '@xkslab/vcm';

/** A PIN file is a few bytes; anything larger is not one. */
const PIN_FILE_MAX_BYTES = 1024;

function pinError(message: string): VcmError {
  return new VcmError('HSM_ERROR', message);
}

/**
 * Where a `pkcs11` module's PIN comes from, read at each login and never stored: the environment
 * variable its config names (looked up through `env`, which main.ts gives) or a file that only
 * its owner may read or write (mode 0600 or stricter, else refused, as ssh refuses a private key
 * file others can read). One trailing newline of the file is dropped.
 */
export function pkcs11PinSource(env: (name: string) => string | undefined): Pkcs11PinSource {
  return async (config: Pkcs11Config) => {
    if (config.pinEnv !== undefined) {
      const pin = env(config.pinEnv);
      if (pin === undefined || pin === '') {
        throw pinError(`the PIN variable ${config.pinEnv} is not set in the server's environment`);
      }
      return pin;
    }
    if (config.pinFile !== undefined) return readPinFile(config.pinFile);
    throw pinError('the module names no PIN source');
  };
}

async function readPinFile(path: string): Promise<string> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'r');
  } catch (e) {
    throw new VcmError('HSM_ERROR', `cannot read the PIN file ${path}`, { cause: e });
  }
  try {
    const info = await file.stat();
    if (!info.isFile()) throw pinError(`the PIN file ${path} is not a regular file`);
    if ((info.mode & 0o077) !== 0) {
      throw pinError(
        `the PIN file ${path} may be read by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`,
      );
    }
    if (info.size > PIN_FILE_MAX_BYTES) throw pinError(`the PIN file ${path} is too large`);
    const text = await file.readFile('utf8');
    const pin = text.endsWith('\n') ? text.slice(0, text.endsWith('\r\n') ? -2 : -1) : text;
    if (pin === '') throw pinError(`the PIN file ${path} is empty`);
    return pin;
  } finally {
    await file.close();
  }
}
