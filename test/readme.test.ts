/**
 * Every example of README.md runs as written, in order, against the servers the README starts.
 *
 * The blocks run in a sandbox that stands in for the repository root: a temporary working
 * directory whose package.json has the root's `start`, `demo` and `xkslab` scripts pointed at the
 * built binary (so `pnpm start` and `pnpm xkslab ...` work, and `./.xkslab/` is created there, not
 * in the repository), an `xkslab` on PATH that runs the same binary, and the e2e package's
 * node_modules (the AWS SDK, the Encryption SDK) above it. Shell blocks run with
 * `bash -euo pipefail`, TypeScript and JavaScript blocks are transpiled by TypeScript and run by
 * node, Python blocks by Debian's /usr/bin/python3 (python3-boto3), `aws` is Debian's AWS CLI v2
 * (/usr/bin comes first on PATH). The markers that say what not to run, or to run in the
 * background, are described in support/readme.ts. The README's examples use xkslab's default
 * ports, 7780 and 7781: they must be free.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, MAIN_JS, makeTempDir, REPO_ROOT, removeDir } from './support/binary.ts';
import { markerProblems, type ReadmeBlock, type RunStep, readmeBlocks } from './support/readme.ts';

const README = join(REPO_ROOT, 'README.md');
const DEFAULT_PORTS = [7780, 7781];
const PYTHON = '/usr/bin/python3';
const BLOCK_TIMEOUT_MS = 120_000;
const BACKGROUND_START_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_TAIL_CHARS = 6000;

type Sandbox = { root: string; work: string; scripts: string; env: NodeJS.ProcessEnv };

/** The sandbox that behaves as the repository root for the README's commands. */
async function makeSandbox(): Promise<Sandbox> {
  const root = await makeTempDir('readme');
  const work = join(root, 'work');
  const bin = join(root, 'bin');
  const scripts = join(root, 'blocks');
  await Promise.all([mkdir(work), mkdir(bin), mkdir(scripts)]);
  // Node resolves the examples' imports from node_modules above both the blocks and the work dir.
  await symlink(join(REPO_ROOT, 'test', 'node_modules'), join(root, 'node_modules'), 'dir');

  const binary = `"${process.execPath}" "${MAIN_JS}"`;
  await writeFile(join(bin, 'xkslab'), `#!/bin/sh\nexec ${binary} "$@"\n`);
  await chmod(join(bin, 'xkslab'), 0o755);
  const rootScripts = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const scriptsHere: Record<string, string> = {};
  for (const name of ['start', 'demo', 'xkslab']) {
    // The build is done before the e2e tests run; the rest of each script stays as it is.
    const script = (rootScripts[name] ?? '')
      .replace(/^pnpm build && /, '')
      .replace('node apps/xkslab/dist/main.js', binary);
    if (!script.startsWith(binary)) {
      throw new Error(`package.json script '${name}' no longer runs apps/xkslab/dist/main.js`);
    }
    scriptsHere[name] = script;
  }
  await writeFile(
    join(work, 'package.json'),
    JSON.stringify({ name: 'xkslab-readme', private: true, scripts: scriptsHere }, null, 2),
  );

  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // The caller's xkslab and AWS settings would change what the examples do.
    if (!/^(XKSLAB_|AWS_)/.test(name)) env[name] = value;
  }
  env.PATH = [bin, dirname(process.execPath), '/usr/bin', process.env.PATH ?? ''].join(':');
  env.AWS_CONFIG_FILE = join(root, 'aws-config');
  env.AWS_SHARED_CREDENTIALS_FILE = join(root, 'aws-credentials');
  env.AWS_PAGER = '';
  return { root, work, scripts, env };
}

async function assertPortsFree(ports: readonly number[]): Promise<void> {
  for (const port of ports) {
    await new Promise<void>((done, fail) => {
      const server = createServer();
      server.once('error', (e) =>
        fail(
          new Error(
            `port ${port} on 127.0.0.1 is in use (${(e as NodeJS.ErrnoException).code}): the README's examples use xkslab's default ports ${ports.join(' and ')}; stop what listens there (ss -ltnp 'sport = :${port}') and run again`,
          ),
        ),
      );
      server.listen(port, '127.0.0.1', () => server.close(() => done()));
    });
  }
}

type Program = { file: string; args: string[] };

/** What runs one step of a block: the whole block from a file, or one of its commands. */
async function program(block: ReadmeBlock, step: RunStep, sandbox: Sandbox): Promise<Program> {
  const base = join(sandbox.scripts, `README-${block.line}`);
  if (step.command !== undefined) {
    return { file: 'bash', args: ['-euo', 'pipefail', '-c', step.command] };
  }
  switch (block.language) {
    case 'shell':
      await writeFile(`${base}.sh`, block.content);
      return { file: 'bash', args: ['-euo', 'pipefail', `${base}.sh`] };
    case 'python':
      if (!existsSync(PYTHON)) {
        throw new Error(`${PYTHON} is missing: apt-get install python3-boto3 (.ci/run does)`);
      }
      await writeFile(`${base}.py`, block.content);
      return { file: PYTHON, args: [`${base}.py`] };
    case 'typescript': {
      const out = ts.transpileModule(block.content, {
        fileName: `README-${block.line}.ts`,
        reportDiagnostics: true,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      const syntax = (out.diagnostics ?? []).map((d) =>
        ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      );
      if (syntax.length > 0) throw new Error(`does not compile: ${syntax.join('; ')}`);
      await writeFile(`${base}.mjs`, out.outputText);
      return { file: process.execPath, args: [`${base}.mjs`] };
    }
    default:
      throw new Error(`no runner for \`\`\`${block.info}`);
  }
}

type Running = {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** Starts a program in its own process group (so stopping it stops what it started). */
function launch(run: Program, sandbox: Sandbox): Running {
  const child = spawn(run.file, run.args, {
    cwd: sandbox.work,
    env: sandbox.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    output += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    output += s;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('error', (e) => {
      output += `\n${e.message}`;
      done({ code: null, signal: null });
    });
    child.once('close', (code, signal) => done({ code, signal }));
  });
  return { child, output: () => output, exited };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

async function stopRunning(running: Running): Promise<void> {
  killGroup(running.child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(running.child, 'SIGKILL'), STOP_TIMEOUT_MS);
  await running.exited;
  clearTimeout(timer);
}

function tail(text: string): string {
  return text.length > OUTPUT_TAIL_CHARS ? `...${text.slice(-OUTPUT_TAIL_CHARS)}` : text;
}

function describeStep(block: ReadmeBlock, step: RunStep): string {
  return `README.md:${block.line} (\`\`\`${block.info}${step.command ? `, "${step.command}"` : ''})`;
}

/** Runs a step to its end; throws with the block's line and output when it fails. */
async function runToEnd(block: ReadmeBlock, step: RunStep, sandbox: Sandbox): Promise<void> {
  const running = launch(await program(block, step, sandbox), sandbox);
  const timer = setTimeout(() => killGroup(running.child, 'SIGKILL'), BLOCK_TIMEOUT_MS - 5000);
  const { code, signal } = await running.exited;
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(
      `${describeStep(block, step)} failed (exit ${code ?? signal}):\n${tail(running.output())}`,
    );
  }
}

/** Starts a step in the background and waits until its output shows the marker's text. */
async function runInBackground(
  block: ReadmeBlock,
  step: RunStep & { backgroundUntil: string },
  sandbox: Sandbox,
): Promise<Running> {
  const running = launch(await program(block, step, sandbox), sandbox);
  const deadline = Date.now() + BACKGROUND_START_MS;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void running.exited.then((status) => {
    exit = status;
  });
  while (!running.output().includes(step.backgroundUntil) && !exit && Date.now() < deadline) {
    await new Promise((wake) => setTimeout(wake, 50));
  }
  if (running.output().includes(step.backgroundUntil) && !exit) return running;
  await stopRunning(running);
  const why = exit
    ? `exited (${exit.code ?? exit.signal})`
    : `did not print "${step.backgroundUntil}" within ${BACKGROUND_START_MS / 1000} s`;
  throw new Error(`${describeStep(block, step)} ${why}:\n${tail(running.output())}`);
}

describe('README.md', () => {
  const markdown = readFileSync(README, 'utf8');

  it('marks every block it does not run, and every marker is readable', () => {
    expect(markerProblems(markdown)).toEqual([]);
  });

  it('refuses an unmarked sample, a stray marker, an unreadable marker and a command not in the block', () => {
    const sample = [
      '```json', // 1
      '{}',
      '```',
      '',
      '<!-- run: "pnpm nope" in the background until "listening" -->', // 5
      '```sh',
      'pnpm start',
      '```',
      '',
      '<!-- not run: forgotten -->', // 10
      '',
      '<!-- run: sometimes -->',
      '```sh', // 13
      'ls',
      '```',
      '',
      '<!-- not run: sample output -->',
      '```',
      'ok',
      '```',
    ].join('\n');
    expect(markerProblems(sample)).toEqual([
      'line 10: a run marker that is not on the line right before a fence',
      'line 1 (```json): not a runnable language; mark it <!-- not run: REASON --> or give it sh, ts or python',
      'line 6 (```sh): the marker names "pnpm nope", which the block does not contain',
      `line 13 (\`\`\`sh): cannot read the run marker clause 'sometimes' (expected '"COMMAND"', 'in the background until "TEXT"' or both)`,
    ]);
  });

  describe('every example runs as written, in order', () => {
    const toRun = readmeBlocks(markdown).blocks.filter(
      (b) => b.language !== undefined && (b.marker.kind === 'none' || b.marker.kind === 'run'),
    );
    let sandbox: Sandbox | undefined;
    const background: Running[] = [];
    let firstFailure: string | undefined;

    beforeAll(async () => {
      assertBuilt();
      await assertPortsFree(DEFAULT_PORTS);
      sandbox = await makeSandbox();
    });

    afterAll(async () => {
      for (const running of background.reverse()) await stopRunning(running);
      await removeDir(sandbox?.root);
    }, BLOCK_TIMEOUT_MS);

    for (const block of toRun) {
      it(
        `README.md:${block.line} (\`\`\`${block.info})`,
        async (context) => {
          if (firstFailure !== undefined) context.skip(`${firstFailure} failed before it`);
          if (!sandbox) throw new Error('the sandbox was not made');
          const steps = block.marker.kind === 'run' ? block.marker.steps : [{}];
          try {
            for (const step of steps) {
              if (step.backgroundUntil !== undefined) {
                background.push(
                  await runInBackground(
                    block,
                    { ...step, backgroundUntil: step.backgroundUntil },
                    sandbox,
                  ),
                );
              } else {
                await runToEnd(block, step, sandbox);
              }
            }
          } catch (e) {
            firstFailure = `README.md:${block.line}`;
            throw e;
          }
        },
        BLOCK_TIMEOUT_MS,
      );
    }
  });
});
