import { readFile } from 'node:fs/promises';
import { getAsset, isSea } from 'node:sea';

/**
 * The SEA asset key of a dashboard static file. The single executable's build embeds every file of
 * src/ui/static under this key (apps/xkslab/scripts/build.mjs).
 */
export function staticAssetKey(file: string): string {
  return `static/${file}`;
}

/**
 * Reads one of the dashboard's static files (`file` is a bare name from the dashboard's own list).
 * In the single executable it is an embedded asset; otherwise it sits in `static/` beside this
 * module: src/ui/static when running from source, dist/static beside the bundled dist/main.js.
 */
export async function readStaticFile(file: string): Promise<string> {
  if (isSea()) return getAsset(staticAssetKey(file), 'utf8');
  return readFile(new URL(`./static/${file}`, import.meta.url), 'utf8');
}
