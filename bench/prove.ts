/**
 * Proof-time benchmark: per claim circuit, its constraint count and the median (and min/max)
 * of N proofs in one process after a warm-up proof, on the sample snapshot.
 *
 *   npm run bench:prove [-- --runs 5]
 * Ends with one JSON line of the figures.
 */
import { join } from 'node:path';
import { loadManifest } from '../src/common/artifact-manifest';
import { CLAIMS as REGISTERED_CLAIMS } from '../src/claims';
import {
  ClaimProver,
  loadPrimitives,
  loadSnapshotFile,
  randomSalt,
  type ClaimParams,
} from '../src/prover';
import { terminateSnarkjsCurve } from '../src/common/snarkjs-teardown';
import { newSignerKey, webCryptoSigner } from '../src/common/p256-signer';

/** Every registered claim, with its descriptor's example parameters. */
const CLAIMS = REGISTERED_CLAIMS.map(
  (d) => ({ claim: d.name, ...d.example.params }) as ClaimParams,
);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main() {
  const argRuns = process.argv.indexOf('--runs');
  const runs = argRuns > 0 ? Number(process.argv[argRuns + 1]) : 5;
  const p = await loadPrimitives();
  const manifest = loadManifest();
  const prover = new ClaimProver(p, manifest);
  const snapshot = loadSnapshotFile(join(__dirname, '..', 'examples', 'snapshot.csv'));
  const signer = await webCryptoSigner(await newSignerKey());
  const salt = randomSalt();
  const figures: Record<string, unknown> = {};
  for (const params of CLAIMS) {
    const circuitId = prover.circuitFor(params.claim, snapshot.positions.length);
    const prove = async () =>
      (await prover.prove({ snapshot, salt, signer, params, context: 1n })).proveMs;
    const warmup = await prove();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await prove());
    const row = {
      circuit: circuitId,
      constraints: manifest.circuits[circuitId]!.constraints,
      runs,
      warmupMs: Math.round(warmup),
      medianMs: Math.round(median(times)),
      minMs: Math.round(Math.min(...times)),
      maxMs: Math.round(Math.max(...times)),
    };
    console.log(
      `${params.claim.padEnd(14)} ${row.constraints} constraints  median ${row.medianMs} ms ` +
        `(min ${row.minMs}, max ${row.maxMs}, warm-up ${row.warmupMs}) over ${runs} proofs`,
    );
    figures[params.claim] = row;
  }
  await terminateSnarkjsCurve();
  console.log(JSON.stringify({ bench: 'prove', ...figures }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
