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
