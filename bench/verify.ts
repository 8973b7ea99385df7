/**
 * Verification-throughput benchmark on the coverage circuit: 32 valid proofs checked one by
 * one with snarkjs.groth16.verify, then all together with batchVerify (one multi-pairing);
 * median over rounds in one process, after a warm-up of each. Then how long batchVerify
 * takes to find one bad proof hidden among the 32.
 *
 *   npm run bench:verify [-- --rounds 5]
 * The 32 proofs are cached in build/bench/proofs-coverage-32.json, keyed by the zkey's
 * sha256 from the manifest, so reruns skip proving. Ends with one JSON line of the figures.
 */
import { newSignerKey, webCryptoSigner } from '../src/common/p256-signer';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { loadManifest } from '../src/common/artifact-manifest';
import { PUBLIC_SIGNAL_ORDER } from '../src/common/attestation-package';
import { ClaimProver, loadPrimitives, loadSnapshotFile, randomSalt } from '../src/prover';
import { batchVerify, VerificationKeyRegistry, type BatchVerifyItem } from '../src/verifier';
import { terminateSnarkjsCurve } from '../src/common/snarkjs-teardown';

const CIRCUIT = 'coverage-32';
const BATCH = 32;
const CACHE = join(__dirname, '..', 'build', 'bench', `proofs-${CIRCUIT}.json`);

interface ProofCache {
  circuitId: string;
  zkeySha256: string;
  items: BatchVerifyItem[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await f();
  return [value, performance.now() - started];
}

/** The cached proofs when they were made with this zkey, else 32 fresh ones (and cache them). */
async function validProofs(zkeySha256: string): Promise<BatchVerifyItem[]> {
  if (existsSync(CACHE)) {
    const cached = JSON.parse(readFileSync(CACHE, 'utf8')) as ProofCache;
    if (cached.zkeySha256 === zkeySha256 && cached.items.length === BATCH) {
      console.log(`using ${BATCH} cached proofs from ${CACHE}`);
      return cached.items;
    }
  }
  console.log(`proving ${BATCH} ${CIRCUIT} proofs (cached for later runs) ...`);
  const p = await loadPrimitives();
  const prover = new ClaimProver(p);
  const snapshot = loadSnapshotFile(join(__dirname, '..', 'examples', 'snapshot.csv'));
  const signer = await webCryptoSigner(await newSignerKey());
  const salt = randomSalt();
  const items: BatchVerifyItem[] = [];
  for (let i = 0; i < BATCH; i++) {
    const { package: pkg } = await prover.prove({
      snapshot,
      salt,
      signer,
      params: { claim: 'coverage', minCoverageBps: 12000 },
      context: BigInt(i + 1), // distinct statements
    });
    items.push({
      publicSignals: PUBLIC_SIGNAL_ORDER.map((n) => pkg.publicSignals[n]),
      proof: pkg.proof,
    });
  }
  mkdirSync(dirname(CACHE), { recursive: true });
  const cache: ProofCache = { circuitId: CIRCUIT, zkeySha256, items };
  writeFileSync(CACHE, `${JSON.stringify(cache)}\n`);
  return items;
}

async function main() {
  const argRounds = process.argv.indexOf('--rounds');
  const rounds = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 5;
  const manifest = loadManifest();
  const entry = manifest.circuits[CIRCUIT]!;
  const items = await validProofs(entry.files.zkey.sha256);
  const { vk } = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true }).get(
    CIRCUIT,
    entry.vkeyHash,
  );

  const sequential = async () => {
    const answers: boolean[] = [];
    for (const item of items) {
      answers.push(await snarkjs.groth16.verify(vk, item.publicSignals, item.proof));
    }
    return answers;
  };
  const allTrue = (answers: boolean[]) => answers.length === BATCH && answers.every(Boolean);
  const expectAll = (what: string, answers: boolean[]) => {
    if (!allTrue(answers)) throw new Error(`${what} rejected a valid proof`);
  };
  expectAll('warm-up sequential', await sequential());
  expectAll('warm-up batch', await batchVerify(vk, items));

  const seqMs: number[] = [];
  const batchMs: number[] = [];
  const badMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const [seqAnswers, s] = await timed(sequential);
    expectAll('sequential', seqAnswers);
    seqMs.push(s);
    const [batchAnswers, b] = await timed(() => batchVerify(vk, items));
    expectAll('batchVerify', batchAnswers);
    batchMs.push(b);

    const bad = randomInt(BATCH);
    const tampered = [...items];
    const signals = [...items[bad]!.publicSignals];
    signals[2] = (BigInt(signals[2]!) + 1n).toString();
    tampered[bad] = { ...items[bad]!, publicSignals: signals };
    const [badAnswers, t] = await timed(() => batchVerify(vk, tampered));
    if (!badAnswers.every((ok, i) => ok === (i !== bad))) {
      throw new Error(`batchVerify did not single out bad proof ${bad}`);
    }
    badMs.push(t);
  }

  const seqMed = median(seqMs);
  const batchMed = median(batchMs);
  const badMed = median(badMs);
  const perSec = (ms: number) => (BATCH * 1000) / ms;
  const row = (name: string, times: number[], rate: string) =>
    console.log(
      `${name.padEnd(34)} ${median(times).toFixed(1).padStart(9)} ms ` +
        `${`(${Math.min(...times).toFixed(1)}-${Math.max(...times).toFixed(1)})`.padStart(17)} ` +
        `${rate.padStart(10)}`,
    );
  console.log(
    `\n${BATCH} ${CIRCUIT} proofs, ${rounds} rounds after warm-up ` +
      `(${entry.publicSignals.length} public signals)`,
  );
  const header = ['mode'.padEnd(34), 'median'.padStart(12), '(min-max ms)'.padStart(17)];
  console.log(`${header.join(' ')} ${'proofs/s'.padStart(10)}`);
  row('sequential snarkjs.groth16.verify', seqMs, perSec(seqMed).toFixed(0));
  row('batchVerify', batchMs, perSec(batchMed).toFixed(0));
  row('batchVerify, one bad (found)', badMs, perSec(badMed).toFixed(0));
  console.log(`speedup of the batch: ${(seqMed / batchMed).toFixed(2)}x`);

  await terminateSnarkjsCurve();
  const round = (x: number, digits: number) => Number(x.toFixed(digits));
  console.log(
    JSON.stringify({
      bench: 'verify',
      batchSize: BATCH,
      sequentialPerSec: round(perSec(seqMed), 1),
      batchPerSec: round(perSec(batchMed), 1),
      speedup: round(seqMed / batchMed, 2),
      withOneBadMs: round(badMed, 1),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
