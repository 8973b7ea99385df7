/**
 * The main job, end to end in one process on the embedded defaults:
 * onshore a custodian loads a snapshot, commits and signs it, proves three claims and sends
 * the packages through the egress guard; offshore an investor verifies each one.
 *
 *   npm run demo [-- --snapshot examples/snapshot.json]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
import { Wallet } from 'ethers';
import { CLAIMS as REGISTERED_CLAIMS } from '../src/claims';
import { readConfig } from '../src/api/config';
import { startAnvil } from '../src/chain/anvil';
import { chainProvider, revertName } from '../src/chain/chain-client';
import { contractContext } from '../src/chain/context-binding';
import { deployAll, registerKey } from '../src/chain/deploy';
import { mintWithProofArgs } from '../src/chain/mint-call';
import { newSignerKey, webCryptoSigner } from '../src/common/p256-signer';
import { createLogger } from '../src/common/logger';
import { startServer } from '../src/entry-points/api-server';
import { statementId } from '../src/common/statement-id';
import { signEnvelope } from '../src/common/transport-envelope';
import { generateTransportKey } from '../src/common/transport-key';
import { startDemoOnshore } from './demo-onshore';
import { terminateSnarkjsCurve } from '../src/common/snarkjs-teardown';

/** Every registered claim, with its descriptor's example parameters. */
const CLAIMS: Array<{ label: string; params: ClaimParams }> = REGISTERED_CLAIMS.map((d) => ({
  label: d.name,
  params: { claim: d.name, ...d.example.params } as ClaimParams,
}));

/** anvil's first pre-funded development account (a public, well-known test key). */
const ANVIL_DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

const short = (s: string) => (s.length > 20 ? `${s.slice(0, 8)}…${s.slice(-8)}` : s);

async function main() {
  const started = performance.now();
  const args = process.argv.slice(2);
  const file = args.includes('--snapshot')
    ? args[args.indexOf('--snapshot') + 1]!
    : join(__dirname, '..', 'examples', 'snapshot.csv');
  const manifest = loadManifest();

  const rows: string[] = [];
  console.log(
    `zkattest demo: onshore prover and offshore API in one process (${process.env.REDIS_URL ? 'Redis' : 'embedded store'}) and a local chain\n`,
  );
  console.log('ONSHORE (custodian)');
  const p = await loadPrimitives();
  // The sample is dated; treat it as this morning's snapshot so freshness checks pass.
  const snapshot = { ...loadSnapshotFile(file), asOf: Math.floor(Date.now() / 1000) - 3600 };
  console.log(`  snapshot   ${file}: ${snapshot.positions.length} positions, ${snapshot.currency}`);
  console.log(
    `             as of ${new Date(snapshot.asOf * 1000).toISOString()} (sample re-dated to today)`,
  );
  const key = newAttestorKey(p);
  console.log(
    `  attestor   new EdDSA key (Baby Jubjub), key hash ${short(key.keyHash.toString())}`,
  );
  const salt = randomSalt();
  const prover = new ClaimProver(p, manifest);
  const slots = manifest.circuits[prover.circuitFor('coverage', snapshot.positions.length)]!;
  const commitment = snapshotCommitment(p, snapshot, salt, slots.maxPositions);
  if (!process.env.REDIS_URL) {
    console.log(`  commitment ${short(commitment.toString())} (salted with 248 random bits)`);
  }

  // The offshore verifier API, in this process on loopback: Redis when REDIS_URL is set,
  // otherwise its embedded in-memory store (it says so).
  const adminToken = randomBytes(24).toString('hex');
  const api = await startServer(
    readConfig({
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_TOKEN: adminToken,
      ALLOW_DEVELOPMENT_KEYS: 'true',
      LOG_LEVEL: 'warn',
    }),
    createLogger('warn'),
  );
  const call = async (method: string, path: string, body?: object, admin = false) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(admin ? { authorization: `Bearer ${adminToken}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  try {
    // The platform operator registers the custodian's transport key and attestor key.
    const transport = await generateTransportKey('ES256');
    await call(
      'POST',
      '/v1/admin/institutions',
      {
        id: 'mainland-custodian',
        name: 'Mainland Custodian',
        alg: 'ES256',
        publicKeyJwk: transport.publicJwk,
      },
      true,
    );
    await call(
      'POST',
      '/v1/admin/attestors',
      {
        keyHash: key.keyHash.toString(),
        label: 'custodian attestor',
        validFrom: new Date(0).toISOString(),
      },
      true,
    );
    console.log(`  offshore   verifier API at ${api.url}; institution and attestor registered\n`);

    // With Redis, the onshore service proves on a worker process and sends through the egress
    // path; without it, this process proves and sends directly.
    const onshore = process.env.REDIS_URL
      ? await startDemoOnshore({
          redisUrl: process.env.REDIS_URL,
          offshoreUrl: api.url,
          transport,
          attestor: key,
          upload: file.endsWith('.json')
            ? {
                text: JSON.stringify({
                  ...JSON.parse(readFileSync(file, 'utf8')),
                  asOf: snapshot.asOf,
                }),
                type: 'application/json',
              }
            : {
                text: readFileSync(file, 'utf8').replace(/^# asOf=.*$/m, `# asOf=${snapshot.asOf}`),
                type: 'text/csv',
              },
        })
      : undefined;
    if (onshore) {
      console.log(
        `  onshore    snapshot uploaded into the encrypted vault as ${onshore.snapshotId}`,
      );
    }
    const sensitive = sensitiveStrings(snapshot, salt);
    const sent: Array<{ label: string; id: string; proveMs: number; status: number }> = [];
    let firstEnvelope = '';
    let firstPackage: unknown;
    let firstJob = '';
    for (const { label, params } of CLAIMS) {
      // The investor's single-use challenge: the proof is bound to it.
      const challenge = await call('POST', '/v1/challenges');
      const nonce = challenge.body.nonce as string;
      const proved = onshore
        ? await onshore.prove(label, params, nonce)
        : await prover.prove({ snapshot, salt, key, params, context: BigInt(nonce) });
      const { proveMs } = proved;
      const pkg = 'pkg' in proved ? proved.pkg : proved.package;
      const cleared = clearForEgress(pkg);
      if (findLeaks(cleared.bytes, sensitive).length > 0) {
        throw new Error('egress scan found snapshot data in a package');
      }
      firstPackage ??= pkg;
      let status: number;
      if (onshore && 'jobId' in proved) {
        firstJob ||= proved.jobId;
        status = (await onshore.send(proved.jobId)).httpStatus;
      } else {
        const envelope = await signEnvelope(cleared.bytes, {
          alg: 'ES256',
          privateJwk: transport.privateJwk,
          kid: 'mainland-custodian',
        });
        firstEnvelope ||= envelope;
        status = (await call('POST', '/v1/attestations', { envelope })).status;
      }
      const res = { status };
      // Offshore records are keyed by the statement the package proves.
      sent.push({ label, id: statementId(cleared.package), proveMs, status: res.status });
      console.log(
        `  proved     ${label.padEnd(32)} ${(proveMs / 1000).toFixed(2)} s  ` +
          `${cleared.bytes.length} bytes -> HTTP ${res.status}`,
      );
      if (res.status !== 201) process.exitCode = 1;
    }
    console.log(
      `  egress     ${sent.length} packages cleared by the egress guard, signed (ES256 JWS) and sent; ` +
        `scanned for ${sensitive.length} sensitive strings: none found\n`,
    );

    console.log('OFFSHORE (investor, over HTTP)');
    console.log(
      `  keys       ${manifest.setup.kind.toUpperCase()} setup accepted explicitly for this demo`,
    );
    // (In service mode the vault drew its own salt: take the commitment from the packages.)
    const shared = (firstPackage as { publicSignals: { commitment: string } }).publicSignals
      .commitment;
    const listed = await call('GET', `/v1/attestations?commitment=${shared}`);
    const records = listed.body.items as Array<{ id: string; meaning: string; circuitId: string }>;
    console.log(`  recorded   ${records.length} attestations about commitment ${short(shared)}`);
    for (const r of records) console.log(`  VALID      ${r.meaning}`);
    for (const s of sent) {
      const r = records.find((x) => x.id === s.id);
      rows.push(
        `  ${s.label.padEnd(32)} ${(r?.circuitId ?? '?').padEnd(17)} ` +
          `${String(r ? manifest.circuits[r.circuitId]!.constraints : 0).padStart(6)}  ` +
          `${(s.proveMs / 1000).toFixed(2)} s   ${r ? 'recorded' : 'MISSING'}`,
      );
      if (!r) process.exitCode = 1;
    }
    const again = onshore
      ? { status: (await onshore.send(firstJob)).httpStatus }
      : await call('POST', '/v1/attestations', { envelope: firstEnvelope });
    console.log(
      `  resent     the first package again: HTTP ${again.status} (idempotent, one record)`,
    );
    await onshore?.close();
    // A package altered in transit: one context bit flipped.
    const tampered = JSON.parse(JSON.stringify(firstPackage));
    tampered.publicSignals.statement = (BigInt(tampered.publicSignals.statement) ^ 1n).toString();
    const check = await call('POST', '/v1/verify', { package: tampered });
    console.log(
      `  tampered   coverage package with one context bit flipped: ` +
        `${check.body.valid ? 'ACCEPTED (bug!)' : `rejected (${(check.body.reasons as string[]).join(', ')})`}\n`,
    );
    if (check.body.valid || again.status !== 200) process.exitCode = 1;
  } finally {
    await api.close();
  }

  // ON-CHAIN: a local anvil, the verifier + registry + proof-gated token, a mint gated on a
  // coverage proof bound to this token, and a mint beyond the proven capacity refused.
  console.log('ON-CHAIN (local anvil)');
  const anvil = await startAnvil();
  const provider = chainProvider(anvil.rpcUrl);
  try {
    const signer = new Wallet(ANVIL_DEV_KEY, provider);
    // The committed artifacts come from the development setup: fine on a throwaway anvil.
    const d = await deployAll(signer, {
      currency: snapshot.currency,
      decimals: snapshot.decimals,
      requiredRatioBps: 12000,
      maxSnapshotAge: 86400,
      allowDevelopmentSetup: true,
    });
    // The custodian's P-256 snapshot signer, registered in the token's signer registry.
    const custodian = await webCryptoSigner(await newSignerKey());
    await registerKey(d.registry, 'snapshotSigner', custodian.publicKey, 'custodian', 0);
    console.log(
      `  deployed   ${snapshot.currency} ${snapshot.decimals}-decimal token ${d.addresses.token} ` +
        `on chain ${d.chainId}; signer ${custodian.keyId.slice(0, 12)}... registered`,
    );
    const { package: bound, proveMs } = await prover.prove({
      snapshot,
      salt,
      signer: custodian,
      params: { claim: 'coverage', minCoverageBps: 12000 },
      context: contractContext(d.chainId, d.addresses.token),
    });
    const capacity = snapshot.liabilities;
    const holder = Wallet.createRandom().address;
    const mintArgs = (amount: bigint) => mintWithProofArgs(bound, holder, amount);
    const first = capacity / 2n;
    const receipt = await (await d.token.getFunction('mintWithProof')(...mintArgs(first))).wait();
    console.log(
      `  minted     ${first} units (half the proven capacity ${capacity}) with a proof bound to ` +
        `this token (${(proveMs / 1000).toFixed(2)} s), gas ${receipt.gasUsed}`,
    );
    try {
      await d.token.getFunction('mintWithProof')(...mintArgs(capacity - first + 1n));
      console.log('  beyond     a mint past the capacity was ACCEPTED (bug!)');
      process.exitCode = 1;
    } catch (err) {
      console.log(
        `  beyond     minting ${capacity - first + 1n} more (one unit past capacity): refused, ` +
          `${revertName(d.token, err) ?? 'reverted'}`,
      );
    }
    const supply = (await d.token.getFunction('totalSupply')()) as bigint;
    console.log(`  supply     ${supply} <= capacity ${capacity}\n`);
  } finally {
    provider.destroy();
    await anvil.stop();
  }

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
  await terminateSnarkjsCurve();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `error: ${err.message}` : err);
  process.exit(1);
});
