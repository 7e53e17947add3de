import { UI_BASE } from '../../ui-deps.ts';

/** Where the conformance pages live. */
export const CONFORMANCE_BASE = `${UI_BASE}/conformance`;
/** Most keys of a module read to suggest one per role, or to find the missing ones. */
export const MAX_KEYS_SCANNED = 1000;
