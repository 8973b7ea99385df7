/**
 * Builds the investor's page into build/web (run by `npm install` and `npm test`; the API
 * builds it at start when missing or stale). `-- --if-stale` skips an up-to-date build.
 */
import { buildPage, ensurePageBuilt } from '../../src/web-build/page-build';

async function main(): Promise<void> {
  const page = process.argv.includes('--if-stale') ? await ensurePageBuilt() : await buildPage();
  const total = Object.values(page.sizes).reduce((a, b) => a + b, 0);
  console.log(
    page.built ? `page built in ${page.dir} (${total} bytes)` : `page up to date in ${page.dir}`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
