/**
 * The investor page in Debian's Chromium against the real API (real redis-server, three
 * recorded attestations of a 2-of-3 signer set):
 * - page weight: bytes transferred on a first load of a record page (cold cache), which
 *   fetches the HTML, bundle, stylesheet, the verification key, the record and the set;
 * - time to first render of that load: first contentful paint, when the page's script has
 *   drawn the page, and when the browser's verdict is on screen;
 * - browser verification time per proof: packages pasted into the page one after another,
 *   each checked in full (shape, pinned key, Groth16, 2 P-256 signatures, FX Poseidon hash),
 *   as the page itself reports it ("checked in this browser in N ms"); the first includes
 *   building the WebAssembly curve.
 *
 *   npm run bench:page [-- --rounds 12]
 * Budgets: 1.5 MB transferred, 150 ms per proof. Ends with one JSON line of the figures.
 */
import { ensurePageBuilt } from '../src/web-build/page-build';
import { statementId } from '../src/common/statement-id';
import { launchChromium } from '../test/support/chromium';
import { startPageServer } from '../test/support/page-server';

const WEIGHT_BUDGET = 1.5e6;
const VERIFY_BUDGET_MS = 150;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const rounds = arg('rounds', 12);
  await ensurePageBuilt();
  const [server, browser] = await Promise.all([startPageServer(), launchChromium()]);
  try {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let transferred = 0;
    const byUrl = new Map<string, string>();
    cdp.on('Network.responseReceived', (e) => byUrl.set(e.requestId, e.response.url));
    const perUrl: Record<string, number> = {};
    cdp.on('Network.loadingFinished', (e) => {
      transferred += e.encodedDataLength;
      const url = new URL(byUrl.get(e.requestId) ?? 'http://x/unknown').pathname;
      perUrl[url.length > 40 ? `${url.slice(0, 37)}...` : url] = e.encodedDataLength;
    });

    const started = Date.now();
    await page.goto(`${server.url}/a/${statementId(server.recorded[1]!)}`);
    await page
      .getByTestId('browser-verdict')
      .filter({ hasText: /^Valid/ })
      .waitFor({ timeout: 60_000 });
    const verdictMs = Date.now() - started;
    const firstLoadBytes = transferred;
    const firstLoad = { ...perUrl };
    const fcp = await page.evaluate(
      () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
    );
    // When the page's own script has drawn the page (header, panels waiting for data).
    const rendered = await page.evaluate(
      () => performance.getEntriesByName('zkattest:rendered')[0]?.startTime ?? -1,
    );
    const firstCheck = Number(
      /(\d+) ms/.exec((await page.getByTestId('browser-verdict').textContent()) ?? '')?.[1],
    );

    await page.goto(`${server.url}/`);
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const pkg = server.recorded[i % server.recorded.length]!;
      await page.$eval('[data-testid=drop-status]', (el) => (el.textContent = ''));
      await page.fill('#drop-paste', JSON.stringify(pkg));
      await page.click('#drop-check');
      const status = page.getByTestId('drop-status').filter({ hasText: /^(Valid|Invalid)/ });
      await status.waitFor({ timeout: 60_000 });
      const text = (await status.textContent()) ?? '';
      if (!text.startsWith('Valid')) throw new Error(`a recorded package did not check: ${text}`);
      times.push(Number(/(\d+) ms/.exec(text)![1]));
    }
    const figures = {
      bench: 'page',
      chromium: browser.version(),
      pageWeightBytes: firstLoadBytes,
      pageWeightBudgetBytes: WEIGHT_BUDGET,
      firstContentfulPaintMs: Math.round(fcp),
      appRenderedMs: Math.round(rendered),
      loadToVerdictMs: verdictMs,
      verifyFirstInPageLoadMs: firstCheck,
      verifyPerProofMedianMs: median(times),
      verifyPerProofMaxMs: Math.max(...times),
      verifyBudgetMs: VERIFY_BUDGET_MS,
      rounds,
      withinBudgets: firstLoadBytes <= WEIGHT_BUDGET && median(times) <= VERIFY_BUDGET_MS,
    };
    console.log('first load, transferred per resource (bytes):', firstLoad);
    console.log(
      `page weight ${(firstLoadBytes / 1e6).toFixed(2)} MB (budget 1.5 MB), first contentful paint ` +
        `${figures.firstContentfulPaintMs} ms, page drawn by its script ${figures.appRenderedMs} ms, verdict on screen after ${verdictMs} ms; ` +
        `verification per proof: median ${figures.verifyPerProofMedianMs} ms, ` +
        `max ${figures.verifyPerProofMaxMs} ms, first right after page load ${firstCheck} ms (budget 150 ms)`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
