import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Folder-level import cycles of apps/xkslab/src. Biome's noImportCycles catches file cycles; this
 * catches the coarser kind: folder A imports folder B while B imports A (xks/ and faults/ did), so
 * the folders can no longer be read, tested or replaced one at a time.
 *
 * Nodes are the top-level folders (admin, xks, faults, ...) and each root file on its own
 * (app.ts, main.ts, logger.ts: the composition root imports everything, and everything may import
 * the logger). Tests are left out: a test may reach for the composition root to drive its folder.
 */
const SRC = dirname(fileURLToPath(import.meta.url));

/**
 * Edges that close a cycle known today, outside this check's reach to fix at once. Each entry
 * names the cycle it belongs to; remove it when the cycle is gone (the test says so). Empty: the
 * one cycle found when this check came (xks <-> faults) was removed by the XKS stage pipeline.
 */
const KNOWN_CYCLE_EDGES: ReadonlyArray<{ from: string; to: string; cycle: string }> = [];

type Graph = Map<string, Map<string, string>>;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** The top-level folder of a file under src, or the root file's own name. */
function nodeOf(path: string): string {
  return relative(SRC, path).split(sep)[0] as string;
}

/** Folder graph: from -> to -> one example import (`file -> specifier`) for the message. */
function folderGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(SRC)) {
    const from = nodeOf(file);
    const imports = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles;
    for (const { fileName } of imports) {
      if (!fileName.startsWith('.')) continue;
      const to = nodeOf(resolve(dirname(file), fileName));
      if (to === from || to.startsWith('..')) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      graph.set(from, edges);
      if (!edges.has(to)) edges.set(to, `${relative(SRC, file)} imports ${fileName}`);
    }
  }
  return graph;
}

/** One cycle of the graph as a node path (first node repeated at the end), or undefined. */
function findCycle(graph: Graph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.get(node) === undefined) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return undefined;
}

function describeCycle(graph: Graph, cycle: string[]): string {
  const steps = cycle.slice(1).map((to, i) => {
    const from = cycle[i] as string;
    return `  ${from} -> ${to}   (${graph.get(from)?.get(to)})`;
  });
  return `folder import cycle ${cycle.join(' -> ')}:\n${steps.join('\n')}`;
}

const graphOf = (edges: Record<string, string[]>): Graph =>
  new Map(Object.entries(edges).map(([from, tos]) => [from, new Map(tos.map((t) => [t, 'x']))]));

describe('folder import cycles of apps/xkslab/src', () => {
  it('finds a cycle in a made-up graph and none in an acyclic one', () => {
    expect(findCycle(graphOf({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([
      'a',
      'b',
      'c',
      'a',
    ]);
    expect(findCycle(graphOf({ a: ['b', 'c'], b: ['c'], d: ['a'] }))).toBeUndefined();
  });

  it('sees the folders and their imports (the check is not looking at nothing)', () => {
    const graph = folderGraph();
    expect(graph.get('app.ts')?.has('xks')).toBe(true);
    expect(graph.get('faults')?.has('xks')).toBe(true);
  });

  it('has no cycle between top-level folders beyond the known ones', () => {
    const graph = folderGraph();
    for (const { from, to, cycle } of KNOWN_CYCLE_EDGES) {
      expect(graph.get(from)?.has(to), `${from} -> ${to} (${cycle}) is gone: remove it`).toBe(true);
      graph.get(from)?.delete(to);
    }
    const cycle = findCycle(graph);
    expect(cycle && describeCycle(graph, cycle)).toBeUndefined();
  });
});
