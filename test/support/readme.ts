/**
 * The README's fenced code blocks and the run markers in front of them.
 *
 * A block of a runnable language (sh, bash, shell, ts, typescript, js, javascript, python, py)
 * runs unless the line right before its fence is a marker comment; every other block must carry
 * `<!-- not run: REASON -->`. Markers:
 *
 *   <!-- not run: sample output -->                      never run (the reason is required)
 *   <!-- run -->                                         run the whole block (the default)
 *   <!-- run: in the background until "TEXT" -->         start the whole block, go on once its output
 *                                                        shows TEXT, stop it after the last block
 *   <!-- run: "CMD" in the background until "TEXT"; "CMD2" (a comment) -->
 *                                                        run only these commands of the block, in this
 *                                                        order (each must appear in the block as written)
 *
 * Text in parentheses is a comment for the reader.
 */
import MarkdownIt from 'markdown-it';

export type BlockLanguage = 'shell' | 'typescript' | 'python';

/** One thing to run for a block: the whole block (`command` absent) or one of its commands. */
export type RunStep = { command?: string; backgroundUntil?: string };

export type ReadmeBlock = {
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string as written (`sh`, `ts`, `json`, empty). */
  info: string;
  /** The runner for the info string, when it is a runnable language. */
  language: BlockLanguage | undefined;
  content: string;
  marker:
    | { kind: 'none' }
    | { kind: 'not-run'; reason: string }
    | { kind: 'run'; steps: RunStep[] }
    | { kind: 'invalid'; problem: string };
};

const LANGUAGES: Record<string, BlockLanguage> = {
  sh: 'shell',
  bash: 'shell',
  shell: 'shell',
  ts: 'typescript',
  typescript: 'typescript',
  js: 'typescript',
  javascript: 'typescript',
  python: 'python',
  py: 'python',
};

const MARKER = /^<!--\s*(not run|run)\b\s*(?::\s*([\s\S]*?))?\s*-->\s*$/;
const STEP = /^(?:"([^"]+)")?\s*(?:in the background until "([^"]+)")?$/;

function parseMarker(html: string): ReadmeBlock['marker'] | undefined {
  const match = MARKER.exec(html.trim());
  if (!match) return undefined;
  const [, kind, rest = ''] = match;
  if (kind === 'not run') {
    return rest.length > 0
      ? { kind: 'not-run', reason: rest }
      : { kind: 'invalid', problem: 'a "not run" marker needs a reason after "not run:"' };
  }
  const steps: RunStep[] = [];
  const clauses = rest
    .replace(/\([^)]*\)/g, '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
  for (const clause of clauses) {
    const step = STEP.exec(clause);
    if (!step || (step[1] === undefined && step[2] === undefined)) {
      return {
        kind: 'invalid',
        problem: `cannot read the run marker clause '${clause}' (expected '"COMMAND"', 'in the background until "TEXT"' or both)`,
      };
    }
    steps.push({
      ...(step[1] !== undefined ? { command: step[1] } : {}),
      ...(step[2] !== undefined ? { backgroundUntil: step[2] } : {}),
    });
  }
  return { kind: 'run', steps: steps.length > 0 ? steps : [{}] };
}

/** Every fenced block of `markdown`, in order, with its marker. Also lists markers not before a fence. */
export function readmeBlocks(markdown: string): { blocks: ReadmeBlock[]; strayMarkers: number[] } {
  const tokens = new MarkdownIt('commonmark', { html: true }).parse(markdown, {});
  const markersByEndLine = new Map<number, { line: number; marker: ReadmeBlock['marker'] }>();
  for (const token of tokens) {
    if (token.type !== 'html_block' || !token.map) continue;
    const marker = parseMarker(token.content);
    if (marker) markersByEndLine.set(token.map[1], { line: token.map[0] + 1, marker });
  }
  const blocks: ReadmeBlock[] = [];
  for (const token of tokens) {
    if (token.type !== 'fence' || !token.map) continue;
    const info = token.info.trim().split(/\s+/)[0] ?? '';
    const marker = markersByEndLine.get(token.map[0]);
    markersByEndLine.delete(token.map[0]);
    blocks.push({
      line: token.map[0] + 1,
      info,
      language: LANGUAGES[info],
      content: token.content,
      marker: marker?.marker ?? { kind: 'none' },
    });
  }
  return { blocks, strayMarkers: [...markersByEndLine.values()].map((m) => m.line) };
}

/** What is wrong with how the blocks are marked: one line per problem, empty when all is well. */
export function markerProblems(markdown: string): string[] {
  const { blocks, strayMarkers } = readmeBlocks(markdown);
  const problems = strayMarkers.map(
    (line) => `line ${line}: a run marker that is not on the line right before a fence`,
  );
  for (const block of blocks) {
    const where = `line ${block.line} (\`\`\`${block.info})`;
    const { marker } = block;
    if (marker.kind === 'invalid') problems.push(`${where}: ${marker.problem}`);
    else if (block.language === undefined && marker.kind !== 'not-run') {
      problems.push(
        `${where}: not a runnable language; mark it <!-- not run: REASON --> or give it sh, ts or python`,
      );
    } else if (marker.kind === 'run') {
      for (const step of marker.steps) {
        if (step.command !== undefined && !block.content.includes(step.command)) {
          problems.push(
            `${where}: the marker names "${step.command}", which the block does not contain`,
          );
        }
        if (step.command !== undefined && block.language !== 'shell') {
          problems.push(`${where}: only shell blocks can name commands in their marker`);
        }
      }
    }
  }
  return problems;
}
