/**
 * Verification-throughput benchmark on the coverage circuit: 32 valid proofs checked one by
 * one with snarkjs.groth16.verify (the baseline), one by one on the mcl pairing engine
 * (verifyProof, what verifyPackage runs: 3 Miller loops, one final exponentiation, the pi_b
 * subgroup test), then all together with batchVerify (one multi-pairing on the engine) both
 * with its worker_threads pool (os.availableParallelism() threads, the default) and inline on
 * the main thread; median over rounds in one process, after a warm-up of each (which also
 * starts the pool's threads and their WASM). Then how long batchVerify takes to find one bad
 * proof hidden among the 32. Then whole packages co-signed by 2 of a 3-key signer set:
 * verifyPackage one by one (proof, both P-256 signatures, the FX table hash), the batch
 * (batchVerify, then every package's other checks), and the signature checks alone (2 of 3
 * against 1 of 1). Wall-clock times (performance.now) on whatever else the machine runs.
 *
 *   npm run bench:verify [-- --rounds 5]
 * The 32 packages are cached in build/bench/packages-coverage-32.json, keyed by the zkey's
 * sha256 from the manifest, so reruns skip proving. Ends with one JSON line of the figures.
 */
import { newSignerKey, webCryptoSigner } from '../src/common/p256-signer';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { loadManifest } from '../src/common/artifact-manifest';
import { PUBLIC_SIGNAL_ORDER, type AttestationPackage } from '../src/common/attestation-package';
import {
  checkSignatures,
  messageBytes,
  signedSnapshotOf,
  type SignedSnapshot,
  type SnapshotMessageJson,
} from '../src/common/signed-snapshot';
import { buildSignerSet, setMembership } from '../src/common/signer-set';
import { ClaimProver, loadPrimitives, loadSnapshotFile, randomSalt } from '../src/prover';
import {
  batchVerify,
  VerificationKeyRegistry,
  verifyPackage,
  type BatchVerifyItem,
} from '../src/verifier';
import { terminateSnarkjsCurve } from '../src/common/snarkjs-teardown';
import { configurePairingPool } from '../src/verifier/pairing-pool';
import { verifyProof } from '../src/verifier/verify-proof';
import { availableParallelism } from 'node:os';

const CIRCUIT = 'coverage-32';
const BATCH = 32;
const CACHE = join(__dirname, '..', 'build', 'bench', `packages-${CIRCUIT}.json`);

interface PackageCache {
  circuitId: string;
  zkeySha256: string;
  packages: AttestationPackage[];
}

const itemOf = (pkg: AttestationPackage): BatchVerifyItem => ({
  publicSignals: PUBLIC_SIGNAL_ORDER.map((n) => pkg.publicSignals[n]),
  proof: pkg.proof,
});

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

/** The cached packages when made with this zkey, else 32 fresh 2-of-3 ones (and cache them). */
async function validPackages(zkeySha256: string): Promise<AttestationPackage[]> {
  if (existsSync(CACHE)) {
    const cached = JSON.parse(readFileSync(CACHE, 'utf8')) as PackageCache;
    if (cached.zkeySha256 === zkeySha256 && cached.packages.length === BATCH) {
      console.log(`using ${BATCH} cached packages from ${CACHE}`);
      return cached.packages;
    }
  }
  console.log(`proving ${BATCH} ${CIRCUIT} packages signed by 2 of 3 (cached for later runs) ...`);
  const p = await loadPrimitives();
  const prover = new ClaimProver(p);
  const snapshot = loadSnapshotFile(join(__dirname, '..', 'examples', 'snapshot.csv'));
  const signers = await Promise.all(
    [1, 2, 3].map(async () => webCryptoSigner(await newSignerKey())),
  );
  const set = buildSignerSet(
    2,
    signers.map((s, i) => ({ publicKey: s.publicKey, label: `signer ${i + 1}` })),
  );
  const salt = randomSalt();
  const message = prover.message({ snapshot, salt }, set.setId);
  const bytes = messageBytes(message);
  const signatures = await Promise.all(
    signers.slice(0, 2).map(async (s) => ({
      keyId: s.keyId,
      publicKey: s.publicKey,
      signature: await s.sign(bytes),
    })),
  );
  const packages: AttestationPackage[] = [];
  for (let i = 0; i < BATCH; i++) {
    const { package: pkg } = await prover.prove({
      snapshot,
      salt,
      cosigned: { signerSet: setMembership(set), signatures },
      params: { claim: 'coverage', minCoverageBps: 12000 },
      context: BigInt(i + 1), // distinct statements
    });
    packages.push(pkg);
  }
  mkdirSync(dirname(CACHE), { recursive: true });
  const cache: PackageCache = { circuitId: CIRCUIT, zkeySha256, packages };
  writeFileSync(CACHE, `${JSON.stringify(cache)}\n`);
  return packages;
}

async function main() {
  const argRounds = process.argv.indexOf('--rounds');
  const rounds = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 5;
  const manifest = loadManifest();
  const entry = manifest.circuits[CIRCUIT]!;
  const packages = await validPackages(entry.files.zkey.sha256);
  const items = packages.map(itemOf);
  const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
  const { vk } = registry.get(CIRCUIT, entry.vkeyHash);

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
  const engineOneByOne = async () => {
    const answers: boolean[] = [];
    for (const item of items) answers.push(await verifyProof(vk, item.publicSignals, item.proof));
    return answers;
  };
  const inline = async () => {
    await configurePairingPool({ size: 1 });
    try {
      return await batchVerify(vk, items);
    } finally {
      await configurePairingPool({});
    }
  };
  expectAll('warm-up sequential', await sequential());
  expectAll('warm-up engine', await engineOneByOne());
  expectAll('warm-up batch', await batchVerify(vk, items));
  expectAll('warm-up inline batch', await inline());
  expectAll('warm-up batch after inline', await batchVerify(vk, items)); // the pool restarted

  const seqMs: number[] = [];
  const engineMs: number[] = [];
  const inlineMs: number[] = [];
  const batchMs: number[] = [];
  const badMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const [seqAnswers, s] = await timed(sequential);
    expectAll('sequential', seqAnswers);
    seqMs.push(s);
    const [engineAnswers, e] = await timed(engineOneByOne);
    expectAll('engine one by one', engineAnswers);
    engineMs.push(e);
    await configurePairingPool({ size: 1 });
    const [inlineAnswers, n] = await timed(() => batchVerify(vk, items));
    await configurePairingPool({});
    expectAll('inline batchVerify', inlineAnswers);
    inlineMs.push(n);
    await batchVerify(vk, items); // restarts the pool's threads outside the timing
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

  // Whole packages, 2-of-3 signatures included.
  const packagesOneByOne = async () => {
    for (const pkg of packages) {
      if (!(await verifyPackage(pkg, registry)).valid) throw new Error('a package was refused');
    }
  };
  const packagesBatched = async () => {
    const answers = await batchVerify(vk, items);
    for (const [i, pkg] of packages.entries()) {
      const verdict = await verifyPackage(pkg, registry, { proofValid: answers[i]! });
      if (!verdict.valid) throw new Error('a package was refused');
    }
  };
  const signed = packages.map(signedSnapshotOf);
  const oneOfOne = await oneOfOneSnapshot(signed[0]!.message);
  const checkAll = (list: SignedSnapshot[]) => async () => {
    for (const s of list) if (checkSignatures(s).reasons.length) throw new Error('refused');
  };
  await packagesOneByOne();
  await packagesBatched();
  const pkgSeqMs: number[] = [];
  const pkgBatchMs: number[] = [];
  const sig2Ms: number[] = [];
  const sig1Ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    pkgSeqMs.push((await timed(packagesOneByOne))[1]);
    pkgBatchMs.push((await timed(packagesBatched))[1]);
    sig2Ms.push((await timed(checkAll(signed)))[1]);
    sig1Ms.push((await timed(checkAll(signed.map(() => oneOfOne))))[1]);
  }

  const seqMed = median(seqMs);
  const batchMed = median(batchMs);
  const badMed = median(badMs);
  const perSec = (ms: number) => (BATCH * 1000) / ms;
  const threads = availableParallelism();
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
  row('engine one by one (verifyProof)', engineMs, perSec(median(engineMs)).toFixed(0));
  row('batchVerify, inline (no pool)', inlineMs, perSec(median(inlineMs)).toFixed(0));
  row(`batchVerify, pool of ${threads}`, batchMs, perSec(batchMed).toFixed(0));
  row('batchVerify, one bad (found)', badMs, perSec(badMed).toFixed(0));
  console.log(`speedup of the batch: ${(seqMed / batchMed).toFixed(2)}x`);
  console.log(`\nwhole packages, signed by 2 of 3 (proof + 2 P-256 signatures + FX table hash)`);
  row('verifyPackage one by one', pkgSeqMs, perSec(median(pkgSeqMs)).toFixed(0));
  row('batchVerify + verifyPackage checks', pkgBatchMs, perSec(median(pkgBatchMs)).toFixed(0));
  row('signatures only, 2 of 3', sig2Ms, perSec(median(sig2Ms)).toFixed(0));
  row('signatures only, 1 of 1', sig1Ms, perSec(median(sig1Ms)).toFixed(0));
  const perPackageUs = (times: number[]) => (median(times) * 1000) / BATCH;

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
      snarkjsSingleMs: round(seqMed / BATCH, 2),
      engineSingleMs: round(median(engineMs) / BATCH, 2),
      engineSinglePerSec: round(perSec(median(engineMs)), 1),
      batchInlinePerSec: round(perSec(median(inlineMs)), 1),
      poolThreads: threads,
      packages2of3SequentialPerSec: round(perSec(median(pkgSeqMs)), 1),
      packages2of3BatchPerSec: round(perSec(median(pkgBatchMs)), 1),
      signatureCheck2of3Us: round(perPackageUs(sig2Ms), 0),
      signatureCheck1of1Us: round(perPackageUs(sig1Ms), 0),
    }),
  );
}

/** The same message signed by a 1-of-1 set, to price the second signature. */
async function oneOfOneSnapshot(message: SnapshotMessageJson): Promise<SignedSnapshot> {
  const signer = await webCryptoSigner(await newSignerKey());
  const set = buildSignerSet(1, [{ publicKey: signer.publicKey, label: 'alone' }]);
  const own = { ...message, setId: set.setId };
  const signature = await signer.sign(messageBytes(own));
  return {
    message: own,
    signerSet: setMembership(set),
    signatures: [{ keyId: signer.keyId, publicKey: signer.publicKey, signature }],
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
