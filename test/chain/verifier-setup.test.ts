/**
 * deploy's setup check covers every key built into the token: the coverage verifier and the
 * large-book batch verifier's chunk-32 and coverage-4096 keys (postLargeProof).
 */
import { assertDeployableSetup, verifierSetup } from '../../src/chain/deploy';
import {
  DEFAULT_ARTIFACTS_DIR,
  loadManifest,
  type ArtifactManifest,
} from '../../src/common/artifact-manifest';

/** The committed manifest with every circuit's setup, and the global one, set to production. */
function productionManifest(): ArtifactManifest {
  const m = structuredClone(loadManifest(DEFAULT_ARTIFACTS_DIR));
  m.setup.kind = 'production';
  for (const entry of Object.values(m.circuits)) entry.setup = 'production';
  return m;
}

test('production only when coverage-32, chunk-32 and coverage-4096 all are', () => {
  expect(verifierSetup(productionManifest())).toBe('production');
  for (const id of ['coverage-32', 'chunk-32', 'coverage-4096']) {
    const m = productionManifest();
    m.circuits[id]!.setup = 'development';
    expect([id, verifierSetup(m)]).toEqual([id, 'development']);
  }
  // Keys the token does not embed do not matter.
  const m = productionManifest();
  m.circuits['yield-range-4096']!.setup = 'development';
  expect(verifierSetup(m)).toBe('production');
});

test('the committed (development) artifacts are refused without the opt-in', () => {
  expect(() => assertDeployableSetup(false)).toThrow(
    expect.objectContaining({ code: 'DEVELOPMENT_SETUP_REFUSED' }),
  );
});
