/**
 * The investor's page in a real Chromium against the real API on a real redis-server: the
 * list, a record re-checked in the browser, dropped / chosen / pasted files (valid with the
 * browser's own time; tampered ones naming the failed check), a swapped verification key,
 * both languages, the keyboard and a phone width. No request may leave the origin, and no
 * checked file may be sent anywhere.
 */
import type { Browser, Page } from 'playwright-core';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { statementId } from '../../src/common/statement-id';
import { ensurePageBuilt } from '../../src/web-build/page-build';
import { newInstitution } from '../support/attestation-factory';
import { signedFx } from '../support/onshore-harness';
import { contractContext } from '../../src/chain/context-binding';
import { launchChromium, sameOriginContext, type GuardedContext } from '../support/chromium';
import { startPageServer, type PageServer } from '../support/page-server';

/**
 * The few browser globals the page.evaluate callbacks below use: this file compiles without
 * the DOM library, like the rest of the Node side.
 */
declare const document: {
  activeElement: { id: string; tagName: string } | null;
  documentElement: { scrollWidth: number };
  querySelectorAll(selector: string): { length: number };
};
declare class DataTransfer {
  items: { add(file: File): void };
}
declare class File {
  constructor(parts: string[], name: string, options: { type: string });
}

let server: PageServer;
let browser: Browser;
let guarded: GuardedContext;
let page: Page;
/** A valid package the server never saw. */
let fresh: AttestationPackage;
/** The same book reported in CNY through a three-currency table an FX source signed. */
let withFx: AttestationPackage;
/** A proof bound to one token: chain 31337, TOKEN. */
let forToken: AttestationPackage;
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

beforeAll(async () => {
  await ensurePageBuilt();
  [server, browser] = await Promise.all([startPageServer(), launchChromium()]);
  fresh = await server.factory.package({
    context: 777n,
    set: server.set,
    signWith: [1, 3],
    params: { claim: 'coverage', minCoverageBps: 11000 },
  });
  const table = {
    reporting: { currency: 'CNY', decimals: 2 },
    rows: [
      { currency: 'CNY', decimals: 2, rate: '1000000000000' },
      { currency: 'USD', decimals: 2, rate: '7250000000000' },
      { currency: 'HKD', decimals: 2, rate: '930000000000' },
    ],
  };
  forToken = await server.factory.package({
    context: contractContext(31337n, TOKEN),
    set: server.set,
  });
  withFx = await server.factory.package({
    context: 779n,
    set: server.set,
    fx: await signedFx(table, Math.floor(Date.now() / 1000) - 600),
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  guarded = await sameOriginContext(browser, server.url);
  page = await guarded.context.newPage();
});

afterEach(async () => {
  await guarded.context.close();
  // Nothing ever leaves the origin.
  expect(guarded.outside).toEqual([]);
});

const VALID = /^Valid: checked in this browser in (\d+) ms$/;

/** Blanks the drop status, so that the next answer cannot be mistaken for the last one. */
async function resetStatus(): Promise<void> {
  await page.$eval('[data-testid=drop-status]', (el) => {
    el.textContent = '';
  });
}

async function dropFile(text: string, name = 'package.json'): Promise<void> {
  await resetStatus();
  const dataTransfer = await page.evaluateHandle(
    ([body, file]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([body], file, { type: 'application/json' }));
      return dt;
    },
    [text, name] as const,
  );
  await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer });
}

async function dropStatus(): Promise<string> {
  const status = page.getByTestId('drop-status');
  await expectText(status, /^(Valid|Invalid|Not a package)/);
  return (await status.textContent()) ?? '';
}

async function expectText(
  locator: ReturnType<Page['getByTestId']>,
  pattern: RegExp,
): Promise<void> {
  await locator.filter({ hasText: pattern }).waitFor({ timeout: 30_000 });
}

async function failedChecks(): Promise<string[]> {
  return page.$$eval('.drop-result [data-ok=false]', (els) =>
    els.map((e) => e.getAttribute('data-check') ?? ''),
  );
}

describe('the investor page', () => {
  it('serves the page with a same-origin CSP that lets WebAssembly compile', async () => {
    const res = await page.goto(`${server.url}/`);
    const csp = res!.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval'/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(csp).toMatch(/default-src 'self'/);
    // The bundle goes compressed to a browser that takes it, plain to one that does not.
    const gzip = await fetch(`${server.url}/web/app.js`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    const plain = await fetch(`${server.url}/web/app.js`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await gzip.text()).toBe(await plain.text());
  });

  it('lists the records newest first and filters them by claim', async () => {
    await page.goto(`${server.url}/`);
    const rows = page.locator('.records li');
    await rows.nth(2).waitFor();
    const ids = await page.$$eval('.records li a', (as) => as.map((a) => a.getAttribute('href')));
    const expected = [...server.recorded].reverse().map((p) => `/a/${statementId(p)}`);
    expect(ids).toEqual(expected);
    await expect(rows.first().textContent()).resolves.toContain('Yield range');

    await page.selectOption('#filter-claim', 'coverage');
    await page.click('form.filters button');
    await page.waitForFunction(() => document.querySelectorAll('.records li').length === 2);
    const claims = await page.$$eval('.records li a', (as) => as.map((a) => a.textContent));
    expect(claims).toEqual(['Collateral coverage', 'Collateral coverage']);
  });

  it('opens a record: checked in this browser, the server’s verdict apart', async () => {
    const pkg = server.recorded[1]!;
    await page.goto(`${server.url}/`);
    await page.locator(`.records a[href="/a/${statementId(pkg)}"]`).click();
    await page.waitForURL(`${server.url}/a/${statementId(pkg)}`);
    const verdict = page.getByTestId('browser-verdict');
    await expectText(verdict, VALID);
    expect(Number(VALID.exec((await verdict.textContent())!)![1])).toBeGreaterThan(0);
    expect(await page.getByTestId('server-verdict').textContent()).toBe('The server accepted it');
    expect(await page.getByTestId('signed-by').textContent()).toBe(
      'signed by 2 of 3: Custodian A, Auditor B',
    );
    const meaning = await page.getByTestId('meaning').textContent();
    expect(meaning).toMatch(
      /collateral after haircuts is at least 125\.00% of liabilities of CNY [\d,]+\.\d\d/,
    );
    expect(await page.getByTestId('server-signed-by').textContent()).toBe(
      'signed by 2 of 3: Custodian A, Auditor B',
    );
    // The set's chain as the server holds it: epochs 0 and 1 recorded, this record at 1.
    expect(await page.getByTestId('chain-head').textContent()).toMatch(
      /^Head of the chain on this server: epoch 1, as of /,
    );
    expect(await page.locator('.panel.chain').textContent()).toContain('2 links recorded');
    // The browser and the server panels are separate sections.
    expect(await page.locator('.panel.server .verdict').count()).toBe(1);
    expect(await page.locator('.panel.browser [data-ok=true]').count()).toBe(6);
  });

  it('checks a dropped package in the browser and sends it nowhere', async () => {
    await page.goto(`${server.url}/`);
    await page.locator('.records li').first().waitFor();
    const before = guarded.requests.length;
    await dropFile(JSON.stringify(fresh, null, 2));
    expect(await dropStatus()).toMatch(VALID);
    expect(await failedChecks()).toEqual([]);
    // Labels come from the server's registry, asked by set id only.
    expect(await page.locator('.drop-result [data-testid=signed-by]').textContent()).toBe(
      'signed by 2 of 3: Custodian A, Trustee C',
    );
    const after = guarded.requests.slice(before);
    expect(after.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(after.some((r) => r.url.includes(fresh.publicSignals.commitment))).toBe(false);
  });

  it('names the failed check of a tampered package (proof, signatures, FX table)', async () => {
    await page.goto(`${server.url}/`);
    const tampered = {
      proof: { ...fresh, publicSignals: { ...fresh.publicSignals, statement: '1' } },
      signatures: { ...fresh, snapshot: { ...fresh.snapshot, asOf: fresh.snapshot.asOf - 60 } },
      fx: {
        ...fresh,
        fx: { table: { ...fresh.fx.table, rows: [{ ...fresh.fx.table.rows[0]!, rate: '2' }] } },
      },
    };
    // A changed statement breaks the proof alone; a changed as-of the signatures alone.
    await dropFile(JSON.stringify(tampered.proof));
    expect(await dropStatus()).toBe('Invalid: failed Groth16 proof');
    expect(await failedChecks()).toEqual(['proof']);
    await dropFile(JSON.stringify(tampered.signatures));
    expect(await dropStatus()).toBe(
      'Invalid: failed P-256 signatures of k distinct members of the signer set',
    );
    expect(await failedChecks()).toEqual(['signatures']);
    await expect(
      page.locator('.drop-result [data-check=signatures] .reasons').textContent(),
    ).resolves.toContain('SIGNATURE_INVALID');
    await dropFile(JSON.stringify(tampered.fx));
    await expectText(page.getByTestId('drop-status'), /^Invalid/);
    // Another rate: the hash no longer matches, and the table is no longer one that needs no
    // FX source's signature.
    expect(await failedChecks()).toEqual(['fx-table', 'fx-source']);
    await expect(
      page.locator('.drop-result [data-check=fx-table] .reasons').textContent(),
    ).resolves.toContain('FX_TABLE_MISMATCH');
  });

  it('checks an FX source’s signature over a signed rate table, and names it when forged', async () => {
    await page.goto(`${server.url}/`);
    await dropFile(JSON.stringify(withFx));
    expect(await dropStatus()).toMatch(VALID);
    const source = page.locator('.drop-result [data-check=fx-source]');
    expect(await source.getAttribute('data-ok')).toBe('true');
    expect(await source.textContent()).not.toContain('identity');
    const sig = withFx.fx.source!.signature;
    const forged = { ...withFx.fx.source!, signature: sig.slice(0, 64) + sig.slice(0, 64) };
    await dropFile(JSON.stringify({ ...withFx, fx: { ...withFx.fx, source: forged } }));
    expect(await dropStatus()).toBe('Invalid: failed FX source signature');
    expect(await failedChecks()).toEqual(['fx-source']);
  });

  it('says on which token a proof can mint: its context binding, checked in the page', async () => {
    await page.goto(`${server.url}/`);
    await dropFile(JSON.stringify(forToken));
    expect(await dropStatus()).toMatch(VALID);
    const answer = page.locator('.binding-answer');
    const check = async (chainId: string, token: string) => {
      await page.fill('#chain-id', chainId);
      await page.fill('#token', token);
      await page.click('.binding button');
      return answer.textContent();
    };
    await expect(check('31337', TOKEN.toLowerCase())).resolves.toBe(
      'Bound to that token: usable there, within its capacity.',
    );
    await expect(check('1', TOKEN)).resolves.toBe('Not bound to that token: it cannot mint there.');
    await expect(check('31337', '0x1234')).resolves.toBe(
      'Enter a chain id and a 0x address of 40 hex digits.',
    );
  });

  it('reads an envelope pasted in, and a package file chosen with the file input', async () => {
    await page.goto(`${server.url}/`);
    const bank = await newInstitution('onshore-bank', 'ES256');
    await resetStatus();
    await page.fill('#drop-paste', await bank.seal(fresh));
    await page.click('#drop-check');
    expect(await dropStatus()).toMatch(VALID);
    await resetStatus();
    await page.setInputFiles('#drop-file', {
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{ not json'),
    });
    await expectText(page.getByTestId('drop-status'), /^Not a package/);
  });

  it('refuses a verification key that is not the one pinned in the bundle', async () => {
    const pkg = server.recorded[0]!;
    await page.route(`**/web/vk/${pkg.circuitId}.json`, async (route) => {
      const vk = JSON.parse(await (await route.fetch()).text()) as Record<string, unknown>;
      await route.fulfill({ json: { ...vk, nPublic: 3, note: 'swapped' } });
    });
    await page.goto(`${server.url}/a/${statementId(pkg)}`);
    await expectText(page.getByTestId('browser-verdict'), /^Invalid/);
    const key = page.locator('.panel.browser [data-check=key]');
    expect(await key.getAttribute('data-ok')).toBe('false');
    expect(await key.textContent()).toContain('pin-mismatch');
    expect(await page.locator('.panel.browser [data-check=proof]').getAttribute('data-ok')).toBe(
      'false',
    );
  });

  it('switches to Simplified Chinese and remembers it', async () => {
    await page.goto(`${server.url}/a/${statementId(server.recorded[1]!)}`);
    await expectText(page.getByTestId('browser-verdict'), VALID);
    await page.selectOption('#lang', 'zh');
    await expectText(
      page.getByTestId('browser-verdict'),
      /^有效：已在本浏览器中核验，用时 \d+ 毫秒$/,
    );
    expect(await page.getByTestId('signed-by').textContent()).toBe(
      '由 3 位中的 2 位签署：Custodian A, Auditor B',
    );
    expect(await page.getByTestId('meaning').textContent()).toMatch(
      /扣除折扣后的抵押品至少为负债 CNY [\d,]+\.\d\d 的 125\.00%/,
    );
    await page.goto(`${server.url}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.locator('#list-heading').textContent()).toBe('已记录的证明（最新在前）');
    await page.selectOption('#lang', 'en');
    expect(await page.locator('#list-heading').textContent()).toBe(
      'Recorded attestations (newest first)',
    );
  });

  it('is usable with the keyboard and readable at 375 px', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${server.url}/`);
    await page.locator('.records li').first().waitFor();
    const order: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      order.push(
        await page.evaluate(
          () => document.activeElement?.id || document.activeElement?.tagName || '',
        ),
      );
    }
    const expected = [
      'lang',
      'drop-file',
      'drop-paste',
      'drop-check',
      'filter-setId',
      'filter-claim',
    ];
    expect(order.filter((id) => expected.includes(id))).toEqual(expected);
    // Every control has a label.
    const unlabelled = await page.$$eval('input, select, textarea', (els) =>
      els
        .filter((e) => !(e as unknown as { labels?: { length: number } }).labels?.length)
        .map((e) => e.id),
    );
    expect(unlabelled).toEqual([]);
    // A pasted package is checked from the keyboard alone; the answer is announced.
    await page.focus('#drop-paste');
    await page.keyboard.insertText(JSON.stringify(fresh));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await dropStatus()).toMatch(VALID);
    expect(await page.getByTestId('drop-status').getAttribute('aria-live')).toBe('polite');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await page.goto(`${server.url}/a/${statementId(server.recorded[0]!)}`);
    await expectText(page.getByTestId('browser-verdict'), VALID);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
  });
});
