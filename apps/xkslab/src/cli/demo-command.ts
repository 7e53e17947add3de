/**
 * `xkslab demo`: a module, xkslab's XKS proxy and the AWS KMS emulator in one process, on
 * --host (loopback) at --port/--kms-port (free ones by default), in a temporary data directory
 * removed at the end; then the story of demo/demo-story.ts. The module layer and the XKS app are
 * built by wiring.ts, as for `serve`; the database, listening and the terminal come from main.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_REGION, KmsJsonClient, type XksCallRecord } from '@xkslab/kms-emulator';
import { type AddonLoader, type RecordStore, selectEngine } from '@xkslab/vcm';
import { AUDIT_LOG_FILE, AuditLog } from '../audit/audit-log.ts';
import { type DemoProxyCall, runDemoStory } from '../demo/demo-story.ts';
import { generateAccessKeyId, generateSecretAccessKey } from '../keystores/credentials.ts';
import { createKmsRuntime, DEFAULT_KMS_SETTINGS } from '../kms/kms-runtime.ts';
import { silentLogger } from '../logger.ts';
import type { AnyServer } from '../server.ts';
import { openCore, xksApp } from '../wiring.ts';
import { DEFAULT_LIMITS } from '../xks/limits.ts';
import type { CommandIo } from './command-io.ts';
import { DEMO_HELP, parseDemoArgs } from './demo-options.ts';
import type { KmsListen } from './kms-command.ts';
import { DEFAULT_MODULE_TIMEOUT_MS } from './serve-options.ts';

const MODULE = 'demo-hsm';
const EXTERNAL_KEY_ID = 'demo-key';
const URI_PATH_PREFIX = '/demo';

export type DemoCommandDeps = {
  io: CommandIo;
  listen: KmsListen;
  closeServer: (server: AnyServer) => Promise<void>;
  openStore: (dir: string) => Promise<RecordStore & { close(): Promise<void> }>;
  makeTempDir: () => Promise<string>;
  removeDir: (dir: string) => Promise<void>;
  /** Resolves when the user presses Enter (for --step). */
  waitForEnter: () => Promise<void>;
  clock: () => Date;
  random: (n: number) => Uint8Array;
  /** Loads the `native` engine's addon; absent: from the package's own places. */
  loadAesGcm?: AddonLoader;
};

/** A URL for a bound address; a wildcard address (0.0.0.0, ::) is reached on loopback. */
function urlOf(address: { address: string; family?: string; port: number }): string {
  if (address.address === '0.0.0.0' || address.address === '::') {
    return `http://127.0.0.1:${address.port}`;
  }
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** The proxy's audit entries that carry a kmsRequestId, from the audit log file. */
async function auditTrail(file: string): Promise<DemoProxyCall[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const calls: DemoProxyCall[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof entry.kmsRequestId !== 'string') continue;
    calls.push({
      kmsRequestId: entry.kmsRequestId,
      operation: String(entry.operation),
      kmsOperation: typeof entry.kmsOperation === 'string' ? entry.kmsOperation : undefined,
      result: String(entry.result ?? ''),
    });
  }
  return calls;
}

type DemoWorld = Awaited<ReturnType<typeof startDemo>>;

/**
 * The module with its key, the key store and its credential, the audit log, the XKS proxy and the
 * KMS emulator, each listening; `cleanups` gets what undoes each step.
 */
async function startDemo(
  dir: string,
  options: ReturnType<typeof parseDemoArgs>,
  deps: DemoCommandDeps,
  cleanups: Array<() => Promise<void>>,
) {
  const store = await deps.openStore(join(dir, 'db'));
  const { vcm, registry } = await openCore({
    store,
    engine: selectEngine('auto', deps.loadAesGcm).engine,
    masterKey: deps.random(32),
    random: deps.random,
  });
  cleanups.push(() => vcm.close());
  await vcm.createModule({ name: MODULE, nodes: 2 });
  await vcm.createKey(MODULE, { id: EXTERNAL_KEY_ID, usage: ['ENCRYPT', 'DECRYPT'] });
  const credential = {
    accessKeyId: generateAccessKeyId(deps.random),
    secretAccessKey: generateSecretAccessKey(deps.random),
  };
  await registry.create({
    name: 'demo',
    uriPathPrefix: URI_PATH_PREFIX,
    region: DEFAULT_REGION,
    module: MODULE,
    credentials: [credential],
  });
  const auditFile = join(dir, AUDIT_LOG_FILE);
  const audit = await AuditLog.open(auditFile);
  cleanups.push(() => audit.close());
  const proxyApp = xksApp({
    vcm,
    registry,
    limits: DEFAULT_LIMITS,
    logger: silentLogger,
    clock: deps.clock,
    moduleTimeoutMs: DEFAULT_MODULE_TIMEOUT_MS,
    audit,
  });
  const proxy = await deps.listen(proxyApp.fetch, options.host, options.port, undefined, 'xks');
  cleanups.push(() => deps.closeServer(proxy.server));
  const kmsCalls: XksCallRecord[] = [];
  const { emulator, app } = await createKmsRuntime(
    { ...DEFAULT_KMS_SETTINGS, connectDelayMs: options.connectDelayMs, healthIntervalMs: 0 },
    {
      logger: silentLogger,
      clock: deps.clock,
      random: deps.random,
      onXksCall: (record) => kmsCalls.push(record),
    },
  );
  cleanups.push(() => emulator.stop());
  // Loopback unless --kms-host: --host exposes the proxy, not the emulator and its default credential.
  const kms = await deps.listen(app.fetch, options.kmsHost, options.kmsPort, undefined, 'kms');
  cleanups.push(() => deps.closeServer(kms.server));
  const kmsCredential = emulator.credentials()[0];
  if (!kmsCredential) throw new Error('the KMS emulator has no credential');
  const proxyUrl = urlOf(proxy.address);
  const kmsUrl = urlOf(kms.address);
  return { vcm, credential, audit, auditFile, emulator, kmsCalls, kmsCredential, proxyUrl, kmsUrl };
}

export async function demoCommand(args: readonly string[], deps: DemoCommandDeps): Promise<number> {
  const options = parseDemoArgs(args);
  if (options.help) {
    deps.io.stdout(DEMO_HELP);
    return 0;
  }
  const say = (text: string) => deps.io.stdout(`${text}\n`);
  const cleanups: Array<() => Promise<void>> = [];
  const dir = await deps.makeTempDir();
  cleanups.push(() => deps.removeDir(dir));
  try {
    const world = await startDemo(dir, options, deps, cleanups);
    const { proxyUrl, kmsUrl, kmsCredential } = world;
    say('xkslab demo: an AWS KMS external key store, end to end, on this machine');
    say('');
    say(`  virtual HSM      module ${MODULE} (2 nodes) holding AES-256 key ${EXTERNAL_KEY_ID}`);
    say(`  XKS proxy        ${proxyUrl}${URI_PATH_PREFIX}/kms/xks/v1`);
    say(
      `  KMS emulator     ${kmsUrl}  (region ${DEFAULT_REGION}, access key ${kmsCredential.accessKeyId})`,
    );
    say(`  data directory   ${dir}  (removed at the end)`);
    if (options.step) say('\nPress Enter to run each step.');
    await runDemoStory(storyDeps(world, dir, options.step, deps, say));
    return 0;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/** What the story of demo/demo-story.ts runs against: the demo's clients, files and calls. */
function storyDeps(
  world: DemoWorld,
  dir: string,
  step: boolean,
  deps: DemoCommandDeps,
  say: (text: string) => void,
): Parameters<typeof runDemoStory>[0] {
  const { vcm, credential, audit, auditFile, emulator, kmsCalls } = world;
  return {
    kms: new KmsJsonClient({
      endpoint: world.kmsUrl,
      region: DEFAULT_REGION,
      credentials: world.kmsCredential,
      clock: deps.clock,
    }),
    proxy: {
      uriEndpoint: world.proxyUrl,
      uriPath: `${URI_PATH_PREFIX}/kms/xks/v1`,
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
      externalKeyId: EXTERNAL_KEY_ID,
      module: MODULE,
    },
    keyManager: {
      disconnect: async () => {
        await vcm.setModuleState(MODULE, 'disconnected');
      },
      reconnect: async () => {
        await vcm.setModuleState(MODULE, 'active');
      },
    },
    files: {
      dir,
      write: async (name, bytes) => {
        await writeFile(join(dir, name), bytes, { mode: 0o600 });
      },
      read: async (name) => new Uint8Array(await readFile(join(dir, name))),
    },
    proxyCalls: async () => {
      await audit.flush();
      return auditTrail(auditFile);
    },
    kmsCalls: () => [...kmsCalls],
    healthCheck: async () => {
      await emulator.pollHealth();
      const states = emulator.metricsSnapshot().keyManagerStates[0];
      return states
        ? { Active: states.Active, Degraded: states.Degraded, Unavailable: states.Unavailable }
        : undefined;
    },
    random: deps.random,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    say,
    pause: step ? deps.waitForEnter : async () => {},
  };
}
