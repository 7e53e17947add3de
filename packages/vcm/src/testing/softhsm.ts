import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's SoftHSMv2 (apt package softhsm2): the tool and the PKCS#11 library. */
export const SOFTHSM_UTIL = '/usr/bin/softhsm2-util';
export const SOFTHSM_LIBRARY = '/usr/lib/softhsm/libsofthsm2.so';

/**
 * Why the SoftHSMv2 tests cannot run here, or undefined when they can. Tests skip with this
 * message (`describe.skipIf(reason)`), so a missing package is reported, never a silent pass.
 */
export function softHsmMissing(): string | undefined {
  if (!existsSync(SOFTHSM_UTIL) || !existsSync(SOFTHSM_LIBRARY)) {
    return `SoftHSMv2 is not installed (${SOFTHSM_UTIL}, ${SOFTHSM_LIBRARY}): apt-get install softhsm2`;
  }
  return undefined;
}

export type SoftHsmToken = {
  /** The temporary SOFTHSM2_CONF file: set it in the environment of whatever loads the library. */
  conf: string;
  dir: string;
  library: string;
  label: string;
  pin: string;
  soPin: string;
  /** The environment to load the library with (SOFTHSM2_CONF set). */
  env: Record<string, string>;
  remove(): Promise<void>;
};

/**
 * A fresh SoftHSMv2 token in a temporary directory: a config whose `directories.tokendir` is that
 * directory, and one token initialised with `softhsm2-util --init-token --free`. SoftHSMv2 reads
 * SOFTHSM2_CONF when the library is loaded (C_Initialize), so a process that uses the token must
 * have it in its environment before it loads the library.
 */
export async function createSoftHsmToken(
  options: { label?: string; pin?: string; soPin?: string } = {},
): Promise<SoftHsmToken> {
  const missing = softHsmMissing();
  if (missing !== undefined) throw new Error(missing);
  const dir = await mkdtemp(join(tmpdir(), 'xkslab-softhsm-'));
  const tokens = join(dir, 'tokens');
  await mkdir(tokens, { mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
    { mode: 0o600 },
  );
  const label = options.label ?? 'xkslab-test';
  const pin = options.pin ?? '1234';
  const soPin = options.soPin ?? '5678';
  const env = { SOFTHSM2_CONF: conf };
  await run(
    SOFTHSM_UTIL,
    ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin],
    { env },
  );
  return {
    conf,
    dir,
    library: SOFTHSM_LIBRARY,
    label,
    pin,
    soPin,
    env,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
