import { join } from 'node:path';

/** The repository root and where the page build lives (gitignored build/). */
export const ROOT = join(__dirname, '..', '..');
export const PAGE_DIR = join(ROOT, 'build', 'web');
