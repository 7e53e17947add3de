import { UI_BASE } from '../../ui-deps.ts';

/** Where the conformance pages live. */
export const CONFORMANCE_BASE = `${UI_BASE}/conformance`;
/** Most keys of a module read to suggest one per role, or to find the missing ones. */
export const MAX_KEYS_SCANNED = 1000;
/** Where two runs (stored, or uploaded JSON reports) are compared. */
export const CONFORMANCE_COMPARE = `${CONFORMANCE_BASE}/compare`;
/** Largest upload of two JSON reports to compare (a report with every check failing is ~150 KB). */
export const MAX_COMPARE_UPLOAD_BYTES = 8 * 1024 * 1024;
