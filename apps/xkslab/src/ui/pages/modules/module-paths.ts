import { UI_BASE } from '../../ui-deps.ts';

/** Where the module pages live. */
export const MODULES_BASE = `${UI_BASE}/modules`;
