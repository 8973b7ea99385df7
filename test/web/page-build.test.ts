/**
 * The page build: the bundle pins the sha256 of every committed verification key (and copies
 * the keys byte for byte beside it); an up-to-date build is kept, a stale one rebuilt.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPage, ensurePageBuilt } from '../../src/web-build/page-build';
import { ROOT } from '../../src/web-build/page-dir';

interface Manifest {
  circuits: Record<string, { vkeyHash: string; files: { vkey: { path: string } } }>;
}

const dir = mkdtempSync(join(tmpdir(), 'zkattest-page-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the page build', () => {
  it('pins every committed verification key’s sha256 into the bundle', async () => {
    const page = await buildPage(dir);
    expect(page.built).toBe(true);
    const bundle = readFileSync(join(dir, 'app.js'), 'utf8');
    const manifest = JSON.parse(
      readFileSync(join(ROOT, 'artifacts', 'manifest.json'), 'utf8'),
    ) as Manifest;
    const circuits = Object.entries(manifest.circuits);
    expect(circuits.length).toBeGreaterThan(0);
    for (const [circuitId, entry] of circuits) {
      const committed = readFileSync(join(ROOT, 'artifacts', entry.files.vkey.path));
      const sha = createHash('sha256').update(committed).digest('hex');
      expect(bundle).toContain(sha);
      expect(bundle).toContain(entry.vkeyHash);
      expect(readFileSync(join(dir, 'vk', `${circuitId}.json`)).equals(committed)).toBe(true);
    }
    for (const file of ['index.html', 'page.css', 'stamp.json']) {
      expect(page.sizes[file]).toBeGreaterThan(0);
    }
  });

  it('keeps an up-to-date build and rebuilds a stale or missing one', async () => {
    await expect(ensurePageBuilt(dir)).resolves.toMatchObject({ built: false });
    writeFileSync(join(dir, 'stamp.json'), JSON.stringify({ stamp: 'from other sources' }));
    await expect(ensurePageBuilt(dir)).resolves.toMatchObject({ built: true });
    rmSync(join(dir, 'stamp.json'));
    await expect(ensurePageBuilt(dir)).resolves.toMatchObject({ built: true });
    await expect(ensurePageBuilt(dir)).resolves.toMatchObject({ built: false });
  });
});
