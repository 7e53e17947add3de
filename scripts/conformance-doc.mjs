/**
 * Writes the catalogue of checks into docs/conformance.md, between its markers, from the check
 * registry of the built @xkslab/conformance (`pnpm docs:conformance` builds first). With --check
 * it writes nothing and exits 1 when the file is out of date (test/conformance-doc.test.ts does
 * the same from the sources).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ALL_CHECKS,
  formatChecksDoc,
  spliceChecksDoc,
} from '../packages/conformance/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, 'docs', 'conformance.md');
const doc = await readFile(file, 'utf8');
const next = spliceChecksDoc(doc, formatChecksDoc(ALL_CHECKS));
if (process.argv.includes('--check')) {
  if (next !== doc) {
    process.stderr.write('docs/conformance.md is out of date: run pnpm docs:conformance\n');
    process.exit(1);
  }
} else if (next !== doc) {
  await writeFile(file, next);
  process.stdout.write(`docs/conformance.md: ${ALL_CHECKS.length} checks written\n`);
} else {
  process.stdout.write('docs/conformance.md is up to date\n');
}
