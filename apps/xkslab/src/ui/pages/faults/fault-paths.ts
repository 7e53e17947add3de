import { UI_BASE } from '../../ui-deps.ts';

/** Where the fault pages live. */
export const FAULTS_BASE = `${UI_BASE}/faults`;
