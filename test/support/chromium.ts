/**
 * Debian's Chromium driven by playwright-core (no browser download: CHROMIUM_BIN, or
 * `chromium` on PATH, which .ci/run installs), with every request leaving the page's origin
 * recorded and aborted, so a test can assert that nothing left.
 */
import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export function chromiumBinary(): string {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const path = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {
      // try the next name
    }
  }
  throw new Error('chromium not found on PATH: apt-get install chromium (see .ci/run)');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumBinary(),
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export interface GuardedContext {
  context: BrowserContext;
  /** URLs the page asked for outside `origin` (aborted). */
  outside: string[];
  /** Every request the page made: method and URL, with the body of any that had one. */
  requests: Array<{ method: string; url: string; body: string | null }>;
}

/** A browser context that lets only `origin` through and records every request. */
export async function sameOriginContext(
  browser: Browser,
  origin: string,
  viewport = { width: 1000, height: 900 },
): Promise<GuardedContext> {
  const context = await browser.newContext({ viewport });
  const outside: string[] = [];
  const requests: GuardedContext['requests'] = [];
  await context.route('**/*', async (route) => {
    const req = route.request();
    requests.push({ method: req.method(), url: req.url(), body: req.postData() });
    // data: URLs (the empty favicon) never leave the browser.
    if (!req.url().startsWith('data:') && new URL(req.url()).origin !== origin) {
      outside.push(req.url());
      await route.abort('blockedbyclient');
      return;
    }
    await route.continue();
  });
  return { context, outside, requests };
}
