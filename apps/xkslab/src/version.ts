/** The product name and version reported by health and --version. */
export const PRODUCT = 'xkslab';
export const VERSION = '0.1.0';
