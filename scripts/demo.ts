/**
 * The main job, end to end in one process on the embedded defaults:
 * onshore a custodian loads a snapshot, commits and signs it, proves three claims and sends
 * the packages through the egress guard; offshore an investor verifies each one.
 *
 *   npm run demo [-- --snapshot examples/snapshot.json]
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadManifest } from '../src/common/artifact-manifest';
import {
  ClaimProver,
  clearForEgress,
  findLeaks,
  loadPrimitives,
  loadSnapshotFile,
  newAttestorKey,
  randomSalt,
  sensitiveStrings,
  snapshotCommitment,
  type ClaimParams,
} from '../src/prover';
import { VerificationKeyRegistry, verifyPackage } from '../src/verifier';

const CLAIMS: Array<{ label: string; params: ClaimParams }> = [
  { label: 'coverage >= 120%', params: { claim: 'coverage', minCoverageBps: 12000 } },
  {
    label: 'yield in [2.00%, 4.00%]',
    params: { claim: 'yield-range', minYieldBps: 200, maxYieldBps: 400 },
  },
  {
    label: 'no position > 20%, classes 0-4',
    params: { claim: 'concentration', maxShareBps: 2000, allowedClasses: 0b11111n },
  },
];

const short = (s: string) => (s.length > 20 ? `${s.slice(0, 8)}…${s.slice(-8)}` : s);

async function main() {
  const started = performance.now();
  const args = process.argv.slice(2);
  const file = args.includes('--snapshot')
    ? args[args.indexOf('--snapshot') + 1]!
    : join(__dirname, '..', 'examples', 'snapshot.csv');
  const manifest = loadManifest();

  console.log('zkattest demo: one process, embedded defaults (no Redis, no chain)\n');
  console.log('ONSHORE (custodian)');
  const p = await loadPrimitives();
  const snapshot = loadSnapshotFile(file);
  console.log(`  snapshot   ${file}: ${snapshot.positions.length} positions, ${snapshot.currency}`);
  console.log(`             as of ${new Date(snapshot.asOf * 1000).toISOString()}`);
  const key = newAttestorKey(p);
  console.log(
    `  attestor   new EdDSA key (Baby Jubjub), key hash ${short(key.keyHash.toString())}`,
  );
  const salt = randomSalt();
  const prover = new ClaimProver(p, manifest);
  const slots = manifest.circuits[prover.circuitFor('coverage', snapshot.positions.length)]!;
  const commitment = snapshotCommitment(p, snapshot, salt, slots.maxPositions);
  console.log(`  commitment ${short(commitment.toString())} (salted with 248 random bits)`);

  // Offshore, the investor issues a challenge; the proofs are bound to it.
  const challenge = BigInt(`0x${randomBytes(16).toString('hex')}`);
  console.log(
    `  challenge  ${short(challenge.toString())} (from the investor, bound into each proof)\n`,
  );

  const sensitive = sensitiveStrings(snapshot, salt);
  const outgoing: Array<{ label: string; bytes: Buffer; proveMs: number }> = [];
  for (const { label, params } of CLAIMS) {
    const { package: pkg, proveMs } = await prover.prove({
      snapshot,
      salt,
      key,
      params,
      context: challenge,
    });
    const cleared = clearForEgress(pkg);
    const leaks = findLeaks(cleared.bytes, sensitive);
    if (leaks.length > 0) throw new Error('egress scan found snapshot data in a package');
    outgoing.push({ label, bytes: cleared.bytes, proveMs });
    console.log(
      `  proved     ${label.padEnd(32)} ${(proveMs / 1000).toFixed(2)} s  ` +
        `${cleared.bytes.length} bytes  package ${cleared.id.slice(0, 12)}`,
    );
  }
  console.log(
    `  egress     ${outgoing.length} packages cleared by the egress guard; ` +
      `scanned for ${sensitive.length} sensitive strings: none found\n`,
  );

  console.log('OFFSHORE (investor)');
  console.log(
    `  keys       ${manifest.setup.kind.toUpperCase()} setup accepted explicitly for this demo\n`,
  );
  // Only the bytes cross: the verifier parses what it received, nothing else.
  const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
  const rows: string[] = [];
  for (const sent of outgoing) {
    const verdict = await verifyPackage(JSON.parse(sent.bytes.toString('utf8')), registry);
    const ours = verdict.publicValues?.context === challenge.toString();
    const ok = verdict.valid && ours && verdict.publicValues?.commitment === commitment.toString();
    console.log(`  ${ok ? 'VALID  ' : 'INVALID'}    ${verdict.meaning}`);
    rows.push(
      `  ${sent.label.padEnd(32)} ${verdict.circuitId.padEnd(17)} ` +
        `${String(manifest.circuits[verdict.circuitId]!.constraints).padStart(6)}  ` +
        `${(sent.proveMs / 1000).toFixed(2)} s   ${ok ? 'valid' : 'INVALID'}`,
    );
    if (!ok) process.exitCode = 1;
  }
  // A tampered package: the statement's context bit flipped in transit.
  const tampered = JSON.parse(outgoing[0]!.bytes.toString('utf8'));
  tampered.publicSignals.statement = (BigInt(tampered.publicSignals.statement) ^ 1n).toString();
  const rejected = await verifyPackage(tampered, registry);
  console.log(
    `  tampered   coverage package with one context bit flipped: ` +
      `${rejected.valid ? 'ACCEPTED (bug!)' : `rejected (${rejected.reasons.join(', ')})`}\n`,
  );
  if (rejected.valid) process.exitCode = 1;

  console.log('SUMMARY');
  console.log(`  ${'claim'.padEnd(32)} ${'circuit'.padEnd(17)} constr.  proof    offshore`);
  for (const row of rows) console.log(row);
  console.log(
    `\n  all three claims are about the same signed snapshot (same commitment, same attestor)`,
  );
  console.log(
    `  crossed the border: claim, circuit id, key hash, 3 public signals, proof, time` +
      `\n  stayed onshore:     ${snapshot.positions.length} identifiers, values, haircuts, ` +
      `yields, the salt and the attestor's private key` +
      `\n  revealed by design: coverage liabilities (${snapshot.liabilities} minor units), ` +
      `the claims' bounds, the as-of time`,
  );
  console.log(`\n  total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const curve = (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128;
  await curve?.terminate();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `error: ${err.message}` : err);
  process.exit(1);
});
