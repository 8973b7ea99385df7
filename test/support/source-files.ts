import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');

/** Every TypeScript/JavaScript source file under `dirs` (repo-relative), with its text. */
export function sourceFiles(dirs: readonly string[]): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js|cjs|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push({ file: relative(ROOT, path), text: readFileSync(path, 'utf8') });
      }
    }
  };
  for (const d of dirs) walk(join(ROOT, d));
  return out;
}
