/**
 * A process that checks a batch on the pairing pool and then just returns from main, for
 * test/verifier/pairing-engine.test.ts: it must exit by itself (idle pool threads are
 * unref'd). The batch comes as JSON on argv[2]; the answers go to stdout.
 */
import { readFileSync } from 'node:fs';
import { loadManifest } from '../../src/common/artifact-manifest';
import { useSingleThreadedCurve } from '../../src/common/snarkjs-teardown';
import { batchVerify, VerificationKeyRegistry, type BatchVerifyItem } from '../../src/verifier';
import { configurePairingPool } from '../../src/verifier/pairing-pool';

async function main() {
  // No snarkjs worker threads either: only the pool could keep this process alive.
  await useSingleThreadedCurve();
  await configurePairingPool({ size: 2, minBatch: 2 });
  const items = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as BatchVerifyItem[];
  const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
  const { vk } = registry.get('coverage-32', loadManifest().circuits['coverage-32']!.vkeyHash);
  console.log(JSON.stringify(await batchVerify(vk, items)));
}

void main();
