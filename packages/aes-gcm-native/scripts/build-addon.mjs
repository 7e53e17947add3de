#!/usr/bin/env node
/**
 * Builds build/Release/xkslab_aes_gcm.node with node-gyp. The addon includes Node's own headers
 * (node_api.h and the OpenSSL headers Node ships): node-gyp downloads them unless told where they
 * are, so a machine that has them installed (/usr/include/node, as Debian's and NodeSource's
 * Node.js packages do) builds offline.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
if (!env.npm_config_nodedir) {
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) env.npm_config_nodedir = prefix;
}
const nodeGyp = createRequire(join(PACKAGE_DIR, 'package.json')).resolve(
  'node-gyp/bin/node-gyp.js',
);
try {
  execFileSync(process.execPath, [nodeGyp, 'rebuild', '--loglevel=warn'], {
    cwd: PACKAGE_DIR,
    env,
    stdio: 'inherit',
  });
} catch {
  process.stderr.write(
    'could not build the native AES-GCM addon: it needs python3, make, a C compiler and Node.js headers\n' +
      '(set npm_config_nodedir to a directory with include/node/node_api.h)\n',
  );
  process.exit(1);
}
