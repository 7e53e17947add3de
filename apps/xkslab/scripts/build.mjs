#!/usr/bin/env node
/**
 * Builds xkslab with esbuild.
 *
 *   node scripts/build.mjs              dist/main.js: one ESM bundle of the app and every workspace
 *                                       and npm dependency except classic-level (a native addon),
 *                                       plus dist/static (the dashboard's files) and
 *                                       dist/THIRD_PARTY_LICENSES.txt, and dist/native (the AES-GCM
 *                                       addon of @xkslab/aes-gcm-native, for the `native` engine).
 *                                       This is what the npm package ships and what the end-to-end
 *                                       suite runs.
 *   node scripts/build.mjs exe OUTFILE  a Node.js single executable application (SEA) at OUTFILE:
 *                                       a CommonJS bundle of everything, classic-level included,
 *                                       whose LevelDB addon, AES-GCM addon and dashboard files
 *                                       are SEA assets.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  copyFile,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(APP_DIR, 'dist');
const STATIC_DIR = join(APP_DIR, 'src', 'ui', 'static');
const ENTRY = join(APP_DIR, 'src', 'main.ts');
const ADDON_ASSET = 'classic_level.node';
/** @xkslab/aes-gcm-native's ADDON_FILE. */
const AES_GCM_ADDON = 'xkslab_aes_gcm.node';
/** The fuse string Node.js looks for to know a SEA blob was injected (Node's SEA docs). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const COMMON = {
  entryPoints: [ENTRY],
  absWorkingDir: APP_DIR,
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  logLevel: 'warning',
  metafile: true,
  legalComments: 'none',
  // The workspace packages are bundled from their TypeScript sources (their `source` export).
  conditions: ['source'],
};

/** The npm package and the e2e suite's binary: ESM, classic-level left to npm. */
async function buildBundle() {
  await rm(DIST, { recursive: true, force: true });
  const result = await esbuild.build({
    ...COMMON,
    format: 'esm',
    outfile: join(DIST, 'main.js'),
    // pkcs11js is a native addon too, loaded only when a pkcs11 module is used (optional in npm).
    external: ['classic-level', 'pkcs11js'],
    sourcemap: 'linked',
    sourcesContent: false,
    // Bundled CommonJS dependencies call require() for Node built-ins; an ES module has none.
    banner: {
      js: "import { createRequire as __xkslabCreateRequire } from 'node:module';\nconst require = __xkslabCreateRequire(import.meta.url);",
    },
  });
  await cp(STATIC_DIR, join(DIST, 'static'), { recursive: true });
  await copyAesGcmAddon(join(DIST, 'native'));
  await writeThirdPartyLicenses(result.metafile, join(DIST, 'THIRD_PARTY_LICENSES.txt'));
}

/**
 * The `native` engine's addon, beside the bundle where @xkslab/aes-gcm-native's loader looks for
 * it (`./native/` from dist/main.js). It is built for this machine's platform; elsewhere the
 * loader finds it unusable and `--engine auto` uses node:crypto.
 */
async function copyAesGcmAddon(dir) {
  await mkdir(dir, { recursive: true });
  await copyFile(aesGcmAddonFile(), join(dir, AES_GCM_ADDON));
}

/** The addon as @xkslab/aes-gcm-native's build made it. */
function aesGcmAddonFile() {
  const require = createRequire(join(APP_DIR, 'package.json'));
  const pkg = dirname(require.resolve('@xkslab/aes-gcm-native/package.json'));
  return join(pkg, 'build', 'Release', AES_GCM_ADDON);
}

/** The package directory (the one holding package.json) of a bundled input under node_modules. */
function packageDirOf(input) {
  const parts = resolve(APP_DIR, input).split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return undefined;
  const scoped = parts[at + 1]?.startsWith('@');
  return parts.slice(0, at + (scoped ? 3 : 2)).join(sep);
}

/** The license texts of every npm package the bundle holds (their licenses ask for the notice). */
async function writeThirdPartyLicenses(metafile, outfile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const dir = packageDirOf(input);
    if (dir) dirs.add(dir);
  }
  const sections = [];
  for (const dir of [...dirs].sort()) {
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const names = await readdir(dir);
    const licenseFile = names.find((n) => /^(licen[cs]e|copying)(\.|$)/i.test(n));
    const text = licenseFile
      ? (await readFile(join(dir, licenseFile), 'utf8')).trim()
      : `License: ${manifest.license ?? 'see the package'}`;
    sections.push(
      `${manifest.name}@${manifest.version} (${manifest.license ?? 'unknown'})\n\n${text}`,
    );
  }
  const header =
    'xkslab bundles the following npm packages into dist/main.js; their license notices follow.';
  await writeFile(outfile, `${header}\n\n${sections.join(`\n\n${'-'.repeat(72)}\n\n`)}\n`);
}

/**
 * classic-level loads its addon with `require('node-gyp-build')(__dirname)`, which searches the
 * file system. In the single executable the addon is a SEA asset instead: resolve node-gyp-build
 * (as required by classic-level) to a shim that loads it through src/sea/classic-level-addon.ts.
 */
function embeddedAddonPlugin(sha256) {
  const loader = join(APP_DIR, 'src', 'sea', 'classic-level-addon.ts');
  return {
    name: 'xkslab-embedded-classic-level-addon',
    setup(build) {
      build.onResolve({ filter: /^node-gyp-build$/ }, (args) => {
        if (!args.importer.includes(`${sep}classic-level${sep}`)) {
          return { errors: [{ text: `unexpected node-gyp-build user: ${args.importer}` }] };
        }
        return { path: 'classic-level-binding', namespace: 'xkslab-sea' };
      });
      build.onLoad({ filter: /.*/, namespace: 'xkslab-sea' }, () => ({
        contents: `const { loadClassicLevelAddon } = require(${JSON.stringify(loader)});\nmodule.exports = () => loadClassicLevelAddon(${JSON.stringify(sha256)});\n`,
        loader: 'js',
        resolveDir: APP_DIR,
      }));
    },
  };
}

/** The prebuilt linux-x64 glibc addon that classic-level ships. */
function classicLevelAddonFile() {
  const require = createRequire(join(APP_DIR, 'package.json'));
  const dir = dirname(require.resolve('classic-level/package.json'));
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the single executable is built for linux-x64 only (this is ${process.platform}-${process.arch})`,
    );
  }
  return join(dir, 'prebuilds', 'linux-x64', 'classic-level.node');
}

async function buildExecutable(outfile) {
  const work = await mkdtemp(join(tmpdir(), 'xkslab-sea-'));
  try {
    const addonFile = classicLevelAddonFile();
    const sha256 = createHash('sha256')
      .update(await readFile(addonFile))
      .digest('hex');
    const mainCjs = join(work, 'main.cjs');
    await esbuild.build({
      ...COMMON,
      format: 'cjs',
      outfile: mainCjs,
      plugins: [embeddedAddonPlugin(sha256)],
      // Not embedded: a pkcs11 module in the single executable fails with a message naming it.
      external: ['pkcs11js'],
      // A SEA's main script is CommonJS; import.meta.url only serves files beside a plain bundle,
      // which the executable reads from its assets instead.
      define: { 'import.meta.url': '__xkslabImportMetaUrl' },
      banner: {
        js: "const __xkslabImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
      },
    });
    // The entry's `#!` line would not be the first line after the banner: drop it.
    const code = await readFile(mainCjs, 'utf8');
    await writeFile(mainCjs, code.replace(/^(.*\n)#!.*\n/, '$1'));

    // The native AES-GCM engine's addon: placed in the same private cache as LevelDB's when a
    // command asks for the engine (src/sea/aes-gcm-addon.ts).
    const assets = { [ADDON_ASSET]: addonFile, [AES_GCM_ADDON]: aesGcmAddonFile() };
    for (const name of await readdir(STATIC_DIR)) assets[`static/${name}`] = join(STATIC_DIR, name);
    const blob = join(work, 'sea-prep.blob');
    const config = join(work, 'sea-config.json');
    await writeFile(
      config,
      JSON.stringify(
        {
          main: mainCjs,
          output: blob,
          disableExperimentalSEAWarning: true,
          useCodeCache: true,
          assets,
        },
        null,
        2,
      ),
    );
    execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });

    await mkdir(dirname(outfile), { recursive: true });
    const partial = `${outfile}.partial`;
    await copyFile(process.execPath, partial);
    await chmod(partial, 0o755);
    const { inject } = createRequire(join(APP_DIR, 'package.json'))('postject');
    await inject(partial, 'NODE_SEA_BLOB', await readFile(blob), { sentinelFuse: SEA_FUSE });
    await rename(partial, outfile);
    process.stderr.write(`wrote ${relative(process.cwd(), outfile) || outfile}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const [mode, out] = process.argv.slice(2);
if (mode === undefined) {
  await buildBundle();
} else if (mode === 'exe' && out) {
  await buildExecutable(resolve(out));
} else {
  process.stderr.write('usage: node scripts/build.mjs [exe OUTFILE]\n');
  process.exit(2);
}
