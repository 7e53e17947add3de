// @ts-check
// What a running process uses, read from /proc (Linux): resident memory and CPU time.
import { readFile } from 'node:fs/promises';

/**
 * Reads VmRSS (KiB → MiB) of a running process from /proc.
 * @param {number | undefined} pid
 */
export async function rssMiB(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat.
 * @param {number | undefined} pid
 */
export async function cpuMs(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), i.e. 11 and 12 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * Resident memory split: anonymous (heap, buffers) and file-backed (mmapped LevelDB tables).
 * @param {number | undefined} pid
 */
export async function memoryMiB(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (/** @type {string} */ name) =>
      Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { rss: Number.NaN, anon: Number.NaN, file: Number.NaN };
  }
}

/**
 * CPU time (ms) of a process and its live children (the workers of `serve --workers N`), found
 * through /proc/<pid>/task/<tid>/children.
 * @param {number | undefined} pid
 * @returns {Promise<number>}
 */
export async function treeCpuMs(pid) {
  let total = await cpuMs(pid);
  let children = '';
  try {
    children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return total;
  }
  for (const child of children.split(' ').filter(Boolean)) total += await treeCpuMs(Number(child));
  return total;
}

/**
 * @typedef {{ atMs: number; cpuSomeUs: number; ioSomeUs: number; stealTicks: number; allTicks: number }} HostSample
 * @typedef {{ cpuWaitShare: number; ioWaitShare: number; stealShare: number }} HostDisturbance
 */

/** @param {string} resource */
async function pressureSomeUs(resource) {
  try {
    const text = await readFile(`/proc/pressure/${resource}`, 'utf8');
    return Number(/^some .*total=(\d+)/m.exec(text)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** The machine's counters a latency run is judged against: PSI (cpu, io) and CPU steal. */
export async function hostSample() {
  /** @type {number[]} */
  let cpu = [];
  try {
    const stat = await readFile('/proc/stat', 'utf8');
    cpu = (stat.split('\n', 1)[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  } catch {
    // not Linux: no steal figure
  }
  return /** @type {HostSample} */ ({
    atMs: performance.now(),
    cpuSomeUs: await pressureSomeUs('cpu'),
    ioSomeUs: await pressureSomeUs('io'),
    // cpu line of proc(5): user nice system idle iowait irq softirq steal ...
    stealTicks: cpu[7] ?? Number.NaN,
    allTicks: cpu.slice(0, 8).reduce((a, b) => a + b, 0) || Number.NaN,
  });
}

/**
 * What disturbed the machine between two samples, as shares of the wall time: how long some
 * task waited for a CPU (PSI cpu "some") or on I/O (PSI io "some"), and the CPU time the
 * hypervisor took (steal). NaN where the kernel does not report it.
 * @param {HostSample} before @param {HostSample} after
 * @returns {HostDisturbance}
 */
export function hostDisturbance(before, after) {
  const wallUs = (after.atMs - before.atMs) * 1000;
  return {
    cpuWaitShare: (after.cpuSomeUs - before.cpuSomeUs) / wallUs,
    ioWaitShare: (after.ioSomeUs - before.ioSomeUs) / wallUs,
    stealShare: (after.stealTicks - before.stealTicks) / (after.allTicks - before.allTicks),
  };
}

/**
 * Whether a latency run was taken on a quiet machine. On a quiet run of the fixed-rate test
 * (xkslab at 1,800 req/s and its load generator on 2 cores) some task waited for a CPU 4-10 %
 * of the time and on I/O under 1 %. A concurrent disk writer (dd, O_DIRECT) took I/O waits to
 * 50-60 % and held xkslab's event loop for up to 0.9 s; two busy loops took CPU waits to 55 %.
 * Unknown figures (no PSI) count as quiet.
 * @param {HostDisturbance} d
 */
export function quietHost(d) {
  const under = (/** @type {number} */ share, /** @type {number} */ limit) => !(share >= limit);
  return under(d.cpuWaitShare, 0.25) && under(d.ioWaitShare, 0.1) && under(d.stealShare, 0.02);
}
