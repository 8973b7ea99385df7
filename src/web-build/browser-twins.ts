/**
 * esbuild plugin: the shared modules the page reuses stay as they are; the two Node-only
 * things under them are swapped for browser twins: `node:crypto` (sha256 only) and the
 * circomlibjs Poseidon (one width; its constants are defined into the bundle by the build).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin } from 'esbuild';

/** circomlibjs' constants for t = 10 (Poseidon of 9 inputs: the FX table hash). */
export function poseidonT10Constants(root: string): { t: number; C: string[]; M: string[][] } {
  const file = join(root, 'node_modules', 'circomlibjs', 'src', 'poseidon_constants.json');
  const all = JSON.parse(readFileSync(file, 'utf8')) as { C: string[][]; M: string[][][] };
  return { t: 10, C: all.C[8]!, M: all.M[8]! };
}

export function browserTwins(root: string): Plugin {
  const web = join(root, 'src', 'web', 'shims');
  return {
    name: 'zkattest-browser-twins',
    setup(build) {
      build.onResolve({ filter: /^node:crypto$/ }, () => ({ path: join(web, 'node-crypto.ts') }));
      const commonPoseidon = join(resolve(root), 'src', 'common', 'poseidon');
      build.onResolve({ filter: /\/poseidon$/ }, (args) =>
        join(args.resolveDir, args.path) === commonPoseidon
          ? { path: join(web, 'poseidon.ts') }
          : undefined,
      );
    },
  };
}
