/**
 * Writes docs/page.png, the README's picture of the investor page: a recorded attestation
 * checked in Chromium, against the real API on a real redis-server (like the browser tests).
 *
 *   npm run page:screenshot
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { statementId } from '../../src/common/statement-id';
import { ensurePageBuilt } from '../../src/web-build/page-build';
import { ROOT } from '../../src/web-build/page-dir';
import { launchChromium } from '../../test/support/chromium';
import { startPageServer } from '../../test/support/page-server';

async function main(): Promise<void> {
  await ensurePageBuilt();
  const [server, browser] = await Promise.all([startPageServer(), launchChromium()]);
  try {
    const page = await browser.newPage({ viewport: { width: 760, height: 1000 } });
    await page.goto(`${server.url}/a/${statementId(server.recorded[1]!)}`);
    await page
      .getByTestId('browser-verdict')
      .filter({ hasText: /^Valid/ })
      .waitFor({ timeout: 60_000 });
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    const file = join(ROOT, 'docs', 'page.png');
    await page.screenshot({ path: file });
    console.log(`${file}: ${statSync(file).size} bytes`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
