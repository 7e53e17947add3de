/**
 * Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions counted
 * once): `prot` -> `port` is 1, `serv` -> `serve` is 1.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    const row = d[i] as number[];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate nearest to `word`, when it is near enough to be what the user meant: at most one
 * edit for short words, about a third of the word for longer ones, or a unique candidate that
 * starts with `word` (`--max-plain` -> `--max-plaintext-bytes`). Ties go to the first candidate.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates].filter((c) => c !== word);
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of list) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= limit) return best;
  const prefixed = list.filter((c) => word.length >= 3 && c.startsWith(word));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** `; did you mean X?` for the nearest candidate, or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = nearest(word, candidates);
  return match === undefined ? '' : `; did you mean ${match}?`;
}

/**
 * One line for an error of node:util parseArgs; an unknown option becomes
 * `unknown option --prot; did you mean --port?` (the nearest of `flagNames`, spelled without
 * dashes as parseArgs options are). The other messages lose parseArgs' second line of advice.
 */
export function parseArgsMessage(e: unknown, flagNames: Iterable<string>): string {
  const message = e instanceof Error ? (e.message.split('\n')[0] ?? '') : '';
  const code = e instanceof Error && 'code' in e ? String(e.code) : '';
  const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== undefined) {
    const word = unknown.split('=')[0] ?? unknown;
    const flags = [...flagNames].map((name) => `--${name}`);
    return `unknown option ${word}${didYouMean(word, flags)}`;
  }
  return message || 'bad arguments';
}
