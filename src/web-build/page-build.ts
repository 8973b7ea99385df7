/**
 * Builds the investor's page (src/web) into build/web: one bundle (esbuild), its stylesheet and
 * HTML, and the committed verification keys, whose sha256 the bundle pins. A stamp of every
 * input's hash lets the API rebuild at start only when something changed.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { browserTwins, poseidonT10Constants } from './browser-twins';
import { PAGE_DIR, ROOT } from './page-dir';
import { pinnedKeys } from './pinned-keys';

export { PAGE_DIR, ROOT };
const STAMP = 'stamp.json';

/** Everything the bundle is made of (sources it reuses included) and the keys it pins. */
const INPUTS = [
  'src/web',
  'src/web-build',
  'src/common',
  'src/claims',
  'artifacts',
  'package-lock.json',
];

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

/** sha256 over the inputs' paths and bytes (the circuits' wasm and zkeys left out: not used). */
export function sourceStamp(root = ROOT): string {
  const h = createHash('sha256');
  for (const file of INPUTS.flatMap((p) => files(join(root, p)))) {
    if (/\.(zkey|wasm|sol)$/.test(file)) continue;
    h.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return h.digest('hex');
}

export interface PageBuild {
  dir: string;
  built: boolean;
  /** Bytes per file written (bundle, css, html, keys). */
  sizes: Record<string, number>;
}

/** Builds the page into `dir`, always. */
export async function buildPage(dir = PAGE_DIR, root = ROOT): Promise<PageBuild> {
  const stamp = sourceStamp(root);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'vk'), { recursive: true });
  const keys = pinnedKeys(root);
  const pinned = Object.fromEntries(
    keys.map((k) => [k.circuitId, { sha256: k.sha256, vkeyHash: k.vkeyHash, file: k.file }]),
  );
  for (const k of keys) writeFileSync(join(dir, k.file), k.bytes);
  await build({
    entryPoints: [join(root, 'src', 'web', 'main.ts')],
    outfile: join(dir, 'app.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    legalComments: 'none',
    logLevel: 'silent',
    define: {
      __PINNED_KEYS__: JSON.stringify(pinned),
      __POSEIDON_T10__: JSON.stringify(poseidonT10Constants(root)),
      'process.browser': 'true',
    },
    inject: [join(root, 'src', 'web', 'shims', 'buffer.ts')],
    plugins: [browserTwins(root)],
  });
  for (const name of ['index.html', 'page.css']) {
    writeFileSync(join(dir, name), readFileSync(join(root, 'src', 'web', name)));
  }
  // Served as is to browsers that take brotli or gzip (all current ones): about a quarter of
  // the bytes on the wire.
  const bundle = readFileSync(join(dir, 'app.js'));
  writeFileSync(
    join(dir, 'app.js.br'),
    brotliCompressSync(bundle, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
  writeFileSync(join(dir, 'app.js.gz'), gzipSync(bundle, { level: 9 }));
  writeFileSync(join(dir, STAMP), JSON.stringify({ stamp }));
  const sizes = Object.fromEntries(
    files(dir).map((f) => [relative(dir, f), statSync(f).size] as const),
  );
  return { dir, built: true, sizes };
}

/** Builds the page unless `dir` holds a build of exactly the current inputs. */
export async function ensurePageBuilt(dir = PAGE_DIR, root = ROOT): Promise<PageBuild> {
  const stampFile = join(dir, STAMP);
  if (existsSync(stampFile)) {
    const { stamp } = JSON.parse(readFileSync(stampFile, 'utf8')) as { stamp: string };
    if (stamp === sourceStamp(root)) return { dir, built: false, sizes: {} };
  }
  return buildPage(dir, root);
}
