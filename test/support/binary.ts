/**
 * Starting the built xkslab binary as a child process: one-shot CLI runs and long-running
 * servers (wait for the `listening` log line, collect every stdout line, stop with a signal).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectOutput } from './process-output.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built binary; XKSLAB_E2E_MAIN_JS points the suite at another build of it. */
export const MAIN_JS =
  process.env.XKSLAB_E2E_MAIN_JS ?? join(REPO_ROOT, 'apps', 'xkslab', 'dist', 'main.js');

const START_TIMEOUT_MS = 20_000;
const RUN_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
/**
 * xkslab prints `listening` a moment before it installs its SIGINT/SIGTERM handlers, so a signal
 * sent at once can kill it with the default action (see cli-restarts.test.ts, "signals"). `stop` leaves at
 * least this long between the `listening` line and the signal so other tests do not trip on that.
 */
const SIGNAL_GRACE_MS = 300;

/** Fails with a clear message when the binary has not been built. */
export function assertBuilt(): void {
  if (!existsSync(MAIN_JS)) {
    throw new Error(`${MAIN_JS} is missing: run 'pnpm build' at the repository root first`);
  }
}

/** A fresh temporary directory; remove it with `removeDir`. */
export function makeTempDir(label = 'e2e'): Promise<string> {
  return mkdtemp(join(tmpdir(), `xkslab-${label}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  // Retries ENOTEMPTY/EBUSY: a server that has just been stopped may still be closing files.
  if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/**
 * How to run xkslab: the program and any arguments before xkslab's own. By default the built
 * bundle under this Node.js; tests of the installed package or the single executable pass theirs.
 */
export type XkslabCommand = readonly string[];

function resolveCommand(command: XkslabCommand | undefined): [string, string[]] {
  if (command === undefined) {
    assertBuilt();
    return [process.execPath, [MAIN_JS]];
  }
  const [program, ...leading] = command;
  if (program === undefined) throw new Error('an empty xkslab command');
  return [program, leading];
}

/**
 * The environment for a child: ours without XKSLAB_MASTER_KEY, plus `extra`; only `extra` when
 * `inherit` is false.
 */
function childEnv(extra: Record<string, string> | undefined, inherit = true): NodeJS.ProcessEnv {
  if (!inherit) return { ...extra };
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.XKSLAB_MASTER_KEY;
  return { ...env, ...extra };
}

export type ExitStatus = { code: number | null; signal: NodeJS.Signals | null };
export type RunResult = ExitStatus & { stdout: string; stderr: string };

/** Runs `xkslab <args>` to completion (killed after a timeout) and collects its output. */
export function runXkslab(
  args: readonly string[],
  options: {
    env?: Record<string, string>;
    timeoutMs?: number;
    command?: XkslabCommand;
    cwd?: string;
    /** false: the child gets `env` alone, not ours. */
    inheritEnv?: boolean;
  } = {},
): Promise<RunResult> {
  const [program, leading] = resolveCommand(options.command);
  return new Promise((done, fail) => {
    const child = spawn(program, [...leading, ...args], {
      env: childEnv(options.env, options.inheritEnv),
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = collectOutput(child);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`xkslab ${args.join(' ')} did not exit in time; stderr: ${out.stderr}`));
    }, options.timeoutMs ?? RUN_TIMEOUT_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout: out.stdout, stderr: out.stderr });
    });
  });
}

export type StartOptions = {
  /** Data directory; a fresh temporary one (removed by `stop({ removeDataDir: true })`) when absent. */
  dataDir?: string;
  /** Seed object written to a file in a temporary directory and passed with --seed. */
  seed?: unknown;
  engine?: 'auto' | 'native' | 'node' | 'noble';
  extraArgs?: readonly string[];
  env?: Record<string, string>;
  /** Run this instead of the built bundle (see XkslabCommand). */
  command?: XkslabCommand;
  cwd?: string;
  /** false: the child gets `env` alone, not ours. */
  inheritEnv?: boolean;
};

export type StopOptions = { signal?: NodeJS.Signals; removeDataDir?: boolean };

/** A running xkslab server. */
export type XkslabServer = {
  readonly url: string;
  readonly port: number;
  /** `127.0.0.1:<port>`, the Host header clients send. */
  readonly host: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  stdoutLines(): string[];
  /** stdout lines that parse as JSON objects. */
  logs(): Record<string, unknown>[];
  stdout(): string;
  stderr(): string;
  /** Stops the server (SIGTERM by default) and resolves with its exit status. Idempotent. */
  stop(options?: StopOptions): Promise<ExitStatus>;
};

/** Writes a seed object to a file in `dir` and returns its path. */
export async function writeSeedFile(
  dir: string,
  seed: unknown,
  name = 'seed.json',
): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof seed === 'string' ? seed : JSON.stringify(seed, null, 2));
  return file;
}

/** Starts `xkslab serve` on 127.0.0.1 with port 0 and waits for its `listening` line. */
export async function startXkslab(options: StartOptions = {}): Promise<XkslabServer> {
  const [program, leading] = resolveCommand(options.command);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await makeTempDir('data'));
  const args = ['serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0'];
  let seedDir: string | undefined;
  if (options.seed !== undefined) {
    seedDir = await makeTempDir('seed');
    args.push('--seed', await writeSeedFile(seedDir, options.seed));
  }
  if (options.engine) args.push('--engine', options.engine);
  args.push(...(options.extraArgs ?? []));

  const child = spawn(program, [...leading, ...args], {
    env: childEnv(options.env, options.inheritEnv),
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let stdoutText = '';
  let stderrText = '';
  let exited: ExitStatus | undefined;
  const exitPromise = new Promise<ExitStatus>((done) => {
    child.once('close', (code, signal) => {
      exited = { code, signal };
      done(exited);
    });
  });
  let onLine: ((line: string) => void) | undefined;
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdoutText += s;
    partial += s;
    let nl = partial.indexOf('\n');
    while (nl !== -1) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push(line);
      onLine?.(line);
      nl = partial.indexOf('\n');
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderrText += s;
  });

  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`xkslab did not print 'listening' in time; stderr: ${stderrText}`));
    }, START_TIMEOUT_MS);
    onLine = (line) => {
      const parsed = parseJsonLine(line);
      if (parsed?.msg === 'listening' && typeof parsed.url === 'string') {
        clearTimeout(timer);
        done(parsed.url);
      }
    };
    void exitPromise.then((status) => {
      clearTimeout(timer);
      fail(
        new Error(
          `xkslab exited (code ${status.code}, signal ${status.signal}) before listening; stderr: ${stderrText}`,
        ),
      );
    });
  })
    .catch(async (e: unknown) => {
      if (ownsDataDir) await removeDir(dataDir);
      throw e;
    })
    .finally(() => {
      if (seedDir) void removeDir(seedDir);
    });
  const port = Number(new URL(url).port);
  const readyAt = Date.now();

  let stopping: Promise<ExitStatus> | undefined;
  const stop = async (stopOptions: StopOptions = {}): Promise<ExitStatus> => {
    stopping ??= (async () => {
      const early = readyAt + SIGNAL_GRACE_MS - Date.now();
      if (early > 0 && !exited) await new Promise((r) => setTimeout(r, early));
      if (!exited) child.kill(stopOptions.signal ?? 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const status = await exitPromise;
      clearTimeout(timer);
      return status;
    })();
    const status = await stopping;
    if (stopOptions.removeDataDir ?? ownsDataDir) await removeDir(dataDir);
    return status;
  };

  return {
    url,
    port,
    host: `127.0.0.1:${port}`,
    dataDir,
    child,
    stdoutLines: () => [...lines],
    logs: () =>
      lines.map(parseJsonLine).filter((l): l is Record<string, unknown> => l !== undefined),
    stdout: () => stdoutText,
    stderr: () => stderrText,
    stop,
  };
}

export function parseJsonLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until `predicate` holds (polling every 20 ms) or the time is up. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return predicate();
}

/**
 * Starts `xkslab serve` on `dataDir` and sends `signal` the instant stderr announces
 * `listening on` (the server is bound by then); resolves with the exit status and output.
 */
export function signalAsSoonAsListening(
  dataDir: string,
  signal: NodeJS.Signals,
): Promise<RunResult> {
  assertBuilt();
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [MAIN_JS, 'serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0'],
      { env: childEnv(undefined), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out = collectOutput(child);
    let signalled = false;
    child.stderr.on('data', () => {
      if (!signalled && out.stderr.includes(' listening on ')) {
        signalled = true;
        child.kill(signal);
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`xkslab did not stop in time; stderr: ${out.stderr}`));
    }, RUN_TIMEOUT_MS);
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      done({ code, signal: sig, stdout: out.stdout, stderr: out.stderr });
    });
  });
}
