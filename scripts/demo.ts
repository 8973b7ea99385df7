/**
 * The main job, end to end in one process on the embedded defaults:
 * onshore a custodian ingests its own export (three currencies, through its mapping file),
 * converts at an FX source's signed rates and commits the snapshot; a signer set of three
 * (custodian, auditor, trustee) co-signs it 2 of 3 with detached P-256 signatures (as
 * `zkattest sign` makes them); the prover proves three claims and sends the packages through
 * the egress guard; offshore an investor verifies each one ("signed by 2 of 3: ..."); the next
 * snapshot (epoch 1) links to the first, and a rival epoch-1 snapshot is refused as
 * equivocation; on three local chains (anvil, distinct chain ids) the custodian anchors the
 * snapshot onshore, one coverage proof splits its capacity across a token on each of the two
 * offshore chains (a signed allocation table), anyone relays it to both, each mints within its
 * own share, and a mint past a share is refused on each.
 *
 *   npm run demo [-- --snapshot <file> [--mapping <mapping.json>] [--fx <signed-rates.json>]]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest } from '../src/common/artifact-manifest';
import {
  ClaimProver,
  clearForEgress,
  findLeaks,
  fxBook,
  loadPrimitives,
  randomSalt,
  sensitiveStrings,
  snapshotCommitment,
  type ClaimParams,
} from '../src/prover';
import { loadSnapshotInput } from '../src/cli/snapshot-input';
import { fxMessage, fxTableHashWith, parseFxTable, type FxTable } from '../src/common/fx-table';
import { newSignerKey, webCryptoSigner, type Signer } from '../src/common/p256-signer';
import { buildSignerSet, type SignerSet } from '../src/common/signer-set';
import { messageFile, type SnapshotMessageJson } from '../src/common/signed-snapshot';
import { admitSignatures, detachedSignature } from '../src/cli/cosign-commands';
import { readSignedFxTable, type SignedFxTable } from '../src/common/signed-fx-table';
import { formatAmount } from '../src/common/money';
import { Wallet } from 'ethers';
import { CLAIMS as REGISTERED_CLAIMS } from '../src/claims';
import { readConfig } from '../src/api/config';
import { startAnvil } from '../src/chain/anvil';
import { chainProvider, revertName } from '../src/chain/chain-client';
import { relayLine, relayPackage } from '../src/chain/relay';
import { anchorSnapshot, deployAnchor } from '../src/chain/snapshot-anchor';
import {
  allocationContext,
  allocationFor,
  allocationsHash,
  parseAllocationTable,
} from '../src/common/allocations';
import { deployAll, registerFxSource, registerSignerSet } from '../src/chain/deploy';
import { headWitness, mintWithProofArgs } from '../src/chain/mint-call';
import { createLogger } from '../src/common/logger';
import { startServer } from '../src/entry-points/api-server';
import { statementId } from '../src/common/statement-id';
import { signEnvelope } from '../src/common/transport-envelope';
import { generateTransportKey, type JsonWebKey } from '../src/common/transport-key';
import { startDemoOnshore } from './demo-onshore';
import { terminateSnarkjsCurve } from '../src/common/snarkjs-teardown';

/** Every registered claim, with its descriptor's example parameters. */
const CLAIMS: Array<{ label: string; params: ClaimParams }> = REGISTERED_CLAIMS.map((d) => ({
  label: d.name,
  params: { claim: d.name, ...d.example.params } as ClaimParams,
}));

/** anvil's first pre-funded development account (a public, well-known test key). */
const ANVIL_DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
/** anvil's second development account: the relayer, trusted with nothing. */
const ANVIL_RELAYER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
/** The demo's chains: one onshore (the anchor), two offshore (a token each). */
const ONSHORE_CHAIN_ID = 31337;
const OFFSHORE_A_CHAIN_ID = 31338;
const OFFSHORE_B_CHAIN_ID = 31339;

const short = (s: string) => (s.length > 20 ? `${s.slice(0, 8)}…${s.slice(-8)}` : s);

const EXAMPLES = join(__dirname, '..', 'examples');
/** What the custodian's book owes, in its reporting unit (an export lists holdings only). */
const DEMO_LIABILITIES = '12500000.00';
const option = (args: string[], name: string) =>
  args.includes(name) ? args[args.indexOf(name) + 1] : undefined;

/** The FX source's rates, signed now (an FX desk signs its fixing of the day). */
async function signRates(source: Signer, table: FxTable, asOf: number): Promise<SignedFxTable> {
  const hash = fxTableHashWith((await loadPrimitives()).poseidon, table);
  const signature = await source.sign(fxMessage(hash, table.reporting, asOf));
  return { table, source: { keyId: source.keyId, publicKey: source.publicKey, asOf, signature } };
}

/**
 * The co-signatures of `message` by these members, each a detached signature as `zkattest
 * sign` writes it, checked as `zkattest prove --signatures` checks them.
 */
async function cosign(
  set: SignerSet,
  message: SnapshotMessageJson,
  members: Array<{ label: string; signer: Signer }>,
) {
  const named = await Promise.all(
    members.map(async (m) => ({
      name: m.label,
      signature: await detachedSignature(m.signer, message),
    })),
  );
  return admitSignatures(set, message, named);
}

/** The custodian's export as the onshore upload takes it: multipart parts, as `curl -F` sends. */
function exportForm(file: string, mapping: string, asOf: number): FormData {
  const form = new FormData();
  form.append('export', new Blob([readFileSync(file)], { type: 'text/csv' }), 'export.csv');
  form.append(
    'mapping',
    new Blob([readFileSync(mapping)], { type: 'application/json' }),
    'mapping.json',
  );
  form.append('asOf', String(asOf));
  form.append('liabilities', DEMO_LIABILITIES);
  return form;
}

async function main() {
  const started = performance.now();
  const args = process.argv.slice(2);
  const given = option(args, '--snapshot');
  const file = given ?? join(EXAMPLES, 'custodian-export.csv');
  const mapping = given ? option(args, '--mapping') : join(EXAMPLES, 'custodian-mapping.json');
  const manifest = loadManifest();
  const now = Math.floor(Date.now() / 1000);

  const rows: string[] = [];
  console.log(
    `zkattest demo: onshore prover and offshore API in one process (${process.env.REDIS_URL ? 'Redis' : 'embedded store'}) and three local chains\n`,
  );
  console.log('ONSHORE (custodian)');
  const p = await loadPrimitives();
  // The sample is dated; treat it as this morning's snapshot so freshness checks pass.
  const loaded = loadSnapshotInput(file, {
    ...(mapping ? { mapping, 'as-of': String(now - 3600), liabilities: DEMO_LIABILITIES } : {}),
  });
  const snapshot = { ...loaded, asOf: now - 3600 };
  const unit = { currency: snapshot.currency, decimals: snapshot.decimals };
  const currencies = [...new Set(snapshot.positions.map((x) => x.currency))];
  console.log(
    `  snapshot   ${file}${mapping ? ` through ${mapping}` : ''}: ${snapshot.positions.length} ` +
      `positions in ${currencies.join(', ')}, reported in ${unit.currency}`,
  );
  console.log(
    `             as of ${new Date(snapshot.asOf * 1000).toISOString()} (sample re-dated to today), ` +
      `liabilities ${formatAmount(snapshot.liabilities, unit)}`,
  );
  // The FX source signs its rate table (its own key, its own as-of time); a one-currency book
  // needs none. --fx takes an already signed table instead.
  const fxSource = await webCryptoSigner(await newSignerKey());
  let fx: SignedFxTable | undefined;
  const fxFile = option(args, '--fx');
  if (fxFile) fx = await readSignedFxTable(fxFile);
  else if (currencies.some((c) => c !== unit.currency)) {
    const table = parseFxTable(JSON.parse(readFileSync(join(EXAMPLES, 'fx-table.json'), 'utf8')));
    fx = await signRates(fxSource, table, now - 600);
    console.log(
      `  FX source  new P-256 key ${short(fxSource.keyId)} signed ${table.rows.length} rates into ` +
        `${table.reporting.currency} as of ${new Date((now - 600) * 1000).toISOString()}`,
    );
  }
  // The signer set: three parties, each with its own P-256 key; any two sign a snapshot.
  const signerKey = await newSignerKey();
  const signer = await webCryptoSigner(signerKey);
  const auditor = await webCryptoSigner(await newSignerKey());
  const trustee = await webCryptoSigner(await newSignerKey());
  const members = {
    custodian: { label: 'Mainland Custodian', signer },
    auditor: { label: 'Independent Auditor', signer: auditor },
    trustee: { label: 'Security Trustee', signer: trustee },
  };
  const set = buildSignerSet(
    2,
    Object.values(members).map((m) => ({ publicKey: m.signer.publicKey, label: m.label })),
  );
  console.log(
    `  signer set ${short(set.setId)}: 2 of 3 of ${Object.values(members)
      .map((m) => m.label)
      .join(', ')}`,
  );
  const salt = randomSalt();
  const prover = new ClaimProver(p, manifest);
  const slots = manifest.circuits[prover.circuitFor('coverage', snapshot.positions.length)]!;
  const book = fxBook(p, snapshot, fx?.table);
  const commitment = snapshotCommitment(p, book, salt, slots.maxPositions);
  if (!process.env.REDIS_URL) {
    console.log(`  commitment ${short(commitment.toString())} (salted with 248 random bits)`);
  }
  // The snapshot message (zkattest snapshot message): epoch 0, the first link of the set's
  // chain. The custodian and the auditor, who sees the book onshore, sign it (zkattest sign).
  const request0 = { snapshot, salt, ...(fx ? { fx } : {}), epoch: 0 };
  const message0 = messageFile(prover.message(request0, set.setId));
  const cosigned0 = await cosign(set, message0.message, [members.custodian, members.auditor]);
  if (!process.env.REDIS_URL) {
    console.log(
      `  message    epoch 0, digest ${short(message0.digest)}: signed by ` +
        `${members.custodian.label} and ${members.auditor.label} (detached signatures, 2 of 3)`,
    );
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
    // The platform operator registers the custodian's transport key, the signer set and the FX
    // source.
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
    const validFrom = new Date(0).toISOString();
    const registerSet = async (
      threshold: number,
      who: Array<{ label: string; signer: Signer }>,
    ) => {
      const body = {
        threshold,
        signers: who.map((m) => ({ publicKey: m.signer.publicKey, label: m.label })),
        validFrom,
      };
      const res = await call('POST', '/v1/admin/signer-sets', body, true);
      if (res.status !== 201) throw new Error(`signer set registration: HTTP ${res.status}`);
    };
    await registerSet(2, Object.values(members));
    await call(
      'POST',
      '/v1/admin/fx-sources',
      { publicKey: fxSource.publicKey, label: 'FX desk (demo)', validFrom },
      true,
    );
    console.log(
      `  offshore   verifier API at ${api.url}; institution, signer set and FX source registered\n`,
    );

    // With Redis, the onshore service proves on a worker process and sends through the egress
    // path; without it, this process proves and sends directly.
    const onshore = process.env.REDIS_URL
      ? await startDemoOnshore({
          redisUrl: process.env.REDIS_URL,
          offshoreUrl: api.url,
          transport,
          signerKey,
          // The service holds the claims until two members sign the message it serves.
          cosign: {
            set,
            sign: (message) =>
              Promise.all(
                [members.custodian, members.auditor].map((m) =>
                  detachedSignature(m.signer, message),
                ),
              ),
          },
          ...(fx ? { fx } : {}),
          upload: mapping
            ? { form: exportForm(file, mapping, snapshot.asOf) }
            : file.endsWith('.json')
              ? {
                  text: JSON.stringify({
                    ...JSON.parse(readFileSync(file, 'utf8')),
                    asOf: snapshot.asOf,
                  }),
                  type: 'application/json',
                }
              : {
                  text: readFileSync(file, 'utf8').replace(
                    /^# asOf=.*$/m,
                    `# asOf=${snapshot.asOf}`,
                  ),
                  type: 'text/csv',
                },
        })
      : undefined;
    if (onshore) {
      console.log(
        `  onshore    snapshot uploaded into the encrypted vault as ${onshore.snapshotId}; ` +
          `epoch ${onshore.message?.epoch}, its message signed by ${members.custodian.label} and ` +
          `${members.auditor.label} (uploaded signatures)`,
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
        : await prover.prove({
            ...request0,
            cosigned: cosigned0,
            params,
            context: BigInt(nonce),
          });
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
    const records = listed.body.items as Array<{
      id: string;
      meaning: string;
      circuitId: string;
      signedBy?: string;
      epoch: number;
      fx?: { label?: string; asOf: number; currencies: string[] };
    }>;
    console.log(`  recorded   ${records.length} attestations about commitment ${short(shared)}`);
    for (const r of records) console.log(`  VALID      ${r.meaning}`);
    const r0 = records[0];
    if (r0) {
      console.log(
        `  ${r0.signedBy ?? 'signers unknown (bug!)'} (P-256, set registered), epoch ${r0.epoch}`,
      );
      if (!r0.signedBy) process.exitCode = 1;
      if (r0.fx) {
        console.log(
          `  FX         ${r0.fx.currencies.join(', ')} at rates signed by ${r0.fx.label} as of ` +
            new Date(r0.fx.asOf * 1000).toISOString(),
        );
      }
    }
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
    // An investor who takes HKD only: the same valid package is refused for its unit.
    const inHkd = await call('POST', '/v1/verify', {
      package: firstPackage,
      unit: { currency: 'HKD', decimals: 2 },
    });
    console.log(
      `  unit       an investor requiring HKD amounts: ` +
        `${inHkd.body.valid ? 'ACCEPTED (bug!)' : `refused (${(inHkd.body.reasons as string[]).join(', ')})`}`,
    );
    if (inHkd.body.valid) process.exitCode = 1;
    console.log(
      `  tampered   coverage package with one context bit flipped: ` +
        `${check.body.valid ? 'ACCEPTED (bug!)' : `rejected (${(check.body.reasons as string[]).join(', ')})`}\n`,
    );
    if (check.body.valid || again.status !== 200) process.exitCode = 1;
    await epochChain(transport.privateJwk, onshore?.message ?? message0.message);
  } finally {
    await api.close();
  }

  /** Proves coverage on a co-signed snapshot for a fresh challenge and sends it offshore. */
  async function proveAndSend(
    request: typeof request0 & { prevCommitment?: string },
    cosigned: typeof cosigned0,
    privateJwk: JsonWebKey,
  ) {
    const challenge = await call('POST', '/v1/challenges');
    const { package: pkg } = await prover.prove({
      ...request,
      cosigned,
      params: { claim: 'coverage', minCoverageBps: 12000 },
      context: BigInt(challenge.body.nonce as string),
    });
    const cleared = clearForEgress(pkg);
    const envelope = await signEnvelope(cleared.bytes, {
      alg: 'ES256',
      privateJwk,
      kid: 'mainland-custodian',
    });
    const { status } = await call('POST', '/v1/attestations', { envelope });
    const listed = await call('GET', `/v1/attestations?commitment=${pkg.publicSignals.commitment}`);
    const record = (listed.body.items as Array<{ signedBy?: string; epoch: number }>)[0];
    return { status, record };
  }

  /**
   * The set's epoch chain: the next snapshot (epoch 1) links to the first by its commitment;
   * a second, different epoch-1 snapshot signed by the set is equivocation, and a jump to
   * epoch 3 a gap: both refused, the equivocation kept as evidence.
   */
  async function epochChain(privateJwk: JsonWebKey, first: SnapshotMessageJson) {
    console.log('EPOCH CHAIN (the signer set, offshore)');
    // The next snapshot: later, its own salt, linked to epoch 0's commitment; the custodian
    // and the trustee sign this one.
    const request1 = {
      snapshot: { ...snapshot, asOf: snapshot.asOf + 1800 },
      salt: randomSalt(),
      ...(fx ? { fx } : {}),
      epoch: 1,
      prevCommitment: first.commitment,
    };
    const message1 = prover.message(request1, set.setId);
    const cosigned1 = await cosign(set, message1, [members.custodian, members.trustee]);
    const next = await proveAndSend(request1, cosigned1, privateJwk);
    console.log(
      `  epoch 1    links to epoch 0 (previous commitment ${short(message1.prevCommitment)}): ` +
        `HTTP ${next.status}, ${next.record?.signedBy}`,
    );
    if (next.status !== 201 || next.record?.epoch !== 1) process.exitCode = 1;
    // A rival epoch-1 snapshot (another book), signed by two members: equivocation.
    const rival = prover.message({ ...request1, salt: randomSalt() }, set.setId);
    const postLink = async (message: SnapshotMessageJson) =>
      call('POST', `/v1/signer-sets/${set.setId}/epochs`, {
        message,
        ...(await cosign(set, message, [members.custodian, members.auditor])),
      });
    const equivocation = await postLink(rival);
    const gap = await postLink(
      prover.message({ ...request1, epoch: 3, prevCommitment: message1.commitment }, set.setId),
    );
    const code = (r: { body: Record<string, unknown> }) =>
      (r.body.error as { code?: string } | undefined)?.code ?? 'accepted';
    console.log(
      `  refused    another epoch-1 snapshot: HTTP ${equivocation.status} ${code(equivocation)}; ` +
        `a jump to epoch 3: HTTP ${gap.status} ${code(gap)}`,
    );
    const view = await call('GET', `/v1/signer-sets/${set.setId}`);
    const chain = view.body.chain as { head: { epoch: number } | null; links: number };
    const evidence = view.body.equivocations as unknown[];
    console.log(
      `  chain      head at epoch ${chain.head?.epoch}, ${chain.links} links; ` +
        `${evidence.length} equivocation kept as evidence (both signed messages)\n`,
    );
    if (
      code(equivocation) !== 'EQUIVOCATION' ||
      code(gap) !== 'EPOCH_GAP' ||
      chain.head?.epoch !== 1 ||
      evidence.length !== 1
    ) {
      process.exitCode = 1;
    }
  }

  // ON-CHAIN: three local chains (anvil processes, distinct chain ids). Onshore, the custodian
  // anchors the co-signed snapshot; offshore, one coverage proof splits its capacity across a
  // token on each chain, anyone relays it to both, and each token mints within its own share.
  console.log('ON-CHAIN (three local anvils: one onshore, two offshore)');
  const anvils = await Promise.all(
    [ONSHORE_CHAIN_ID, OFFSHORE_A_CHAIN_ID, OFFSHORE_B_CHAIN_ID].map((chainId) =>
      startAnvil({ chainId }),
    ),
  );
  const [onshoreRpc, rpcA, rpcB] = anvils.map((a) => chainProvider(a.rpcUrl)) as [
    ReturnType<typeof chainProvider>,
    ReturnType<typeof chainProvider>,
    ReturnType<typeof chainProvider>,
  ];
  try {
    await onChain(onshoreRpc, rpcA, rpcB);
  } finally {
    for (const provider of [onshoreRpc, rpcA, rpcB]) provider.destroy();
    await Promise.all(anvils.map((a) => a.stop()));
  }

  async function onChain(
    onshoreRpc: ReturnType<typeof chainProvider>,
    rpcA: ReturnType<typeof chainProvider>,
    rpcB: ReturnType<typeof chainProvider>,
  ) {
    // Onshore: the custodian anchors epoch 0 of its set (set, epoch, commitment, as-of: no data).
    const anchor = await deployAnchor(new Wallet(ANVIL_DEV_KEY, onshoreRpc));
    const link0 = { message: message0.message, ...cosigned0 };
    const anchored = await anchorSnapshot(anchor, link0);
    const repeat = await anchorSnapshot(anchor, link0);
    console.log(
      `  anchored   epoch 0 of set ${short(set.setId)} on onshore chain ${anchored.chainId} ` +
        `(SnapshotAnchor ${await anchor.getAddress()}), tx ${short(anchored.txHash ?? '')}; ` +
        `again: ${repeat.status}`,
    );
    // A second commitment for epoch 0 (another book), even co-signed: equivocation, refused.
    const rival = prover.message({ ...request0, salt: randomSalt() }, set.setId);
    const rivalLink = {
      message: rival,
      ...(await cosign(set, rival, [members.custodian, members.auditor])),
    };
    const equivocation = await anchorSnapshot(anchor, rivalLink).then(
      () => 'ACCEPTED (bug!)',
      (err: unknown) => `refused (${(err as { message: string }).message})`,
    );
    console.log(`  rival      another epoch-0 commitment: ${equivocation}`);
    if (anchored.status !== 'anchored' || !equivocation.startsWith('refused')) {
      process.exitCode = 1;
    }

    // Offshore: a token in the reporting unit on each chain, the set (and FX source) registered.
    const deployOn = async (provider: ReturnType<typeof chainProvider>) => {
      // The committed artifacts come from the development setup: fine on a throwaway anvil.
      const d = await deployAll(new Wallet(ANVIL_DEV_KEY, provider), {
        currency: snapshot.currency,
        decimals: snapshot.decimals,
        requiredRatioBps: 12000,
        maxSnapshotAge: 86400,
        allowDevelopmentSetup: true,
      });
      await registerSignerSet(d.registry, set, 0, 0);
      if (fx?.source) await registerFxSource(d.registry, fxSource.publicKey, 'FX desk', 0);
      return d;
    };
    const [dA, dB] = await Promise.all([deployOn(rpcA), deployOn(rpcB)]);
    for (const d of [dA, dB]) {
      console.log(
        `  deployed   ${snapshot.currency} ${snapshot.decimals}-decimal token ${d.addresses.token} ` +
          `on chain ${d.chainId}; signer set${fx?.source ? ' and FX source' : ''} registered`,
      );
    }

    // One proof, its capacity split 60% / 30% across the two tokens (the set signs the table).
    const capacity = snapshot.liabilities;
    const rowOf = (d: typeof dA, amount: bigint) => ({
      chainId: d.chainId.toString(),
      token: d.addresses.token,
      amount: amount.toString(),
    });
    const table = parseAllocationTable({
      rows: [rowOf(dA, (capacity * 6n) / 10n), rowOf(dB, (capacity * 3n) / 10n)],
    });
    const over = { rows: [rowOf(dA, (capacity * 7n) / 10n), rowOf(dB, (capacity * 4n) / 10n)] };
    let overRefused = 'ACCEPTED (bug!)';
    try {
      prover.message({ ...request0, allocations: over }, set.setId);
    } catch (err) {
      overRefused = `refused before signing (${(err as { code?: string }).code})`;
    }
    console.log(`  split      70% + 40% of the capacity: ${overRefused}`);
    if (!overRefused.startsWith('refused')) process.exitCode = 1;
    const requestSplit = { ...request0, allocations: table };
    const messageSplit = prover.message(requestSplit, set.setId);
    const { package: split, proveMs } = await prover.prove({
      ...requestSplit,
      cosigned: await cosign(set, messageSplit, [members.custodian, members.auditor]),
      params: { claim: 'coverage', minCoverageBps: 12000 },
      context: allocationContext(allocationsHash(table)),
    });
    console.log(
      `  proved     coverage once (${(proveMs / 1000).toFixed(2)} s), capacity ` +
        `${formatAmount(capacity, unit)} split: ` +
        table.rows
          .map((r) => `${formatAmount(BigInt(r.amount), unit)} on chain ${r.chainId}`)
          .join(', ') +
        ` (allocations ${short(split.snapshot.allocations)} signed 2 of 3)`,
    );

    // Anyone relays it: a funded account that is neither the custodian nor a minter.
    const deployments = [
      {
        name: 'offshore-a',
        rpcUrl: anvils[1]!.rpcUrl,
        chainId: dA.chainId.toString(),
        token: dA.addresses.token,
      },
      {
        name: 'offshore-b',
        rpcUrl: anvils[2]!.rpcUrl,
        chainId: dB.chainId.toString(),
        token: dB.addresses.token,
      },
    ];
    for (const o of await relayPackage(split, deployments, ANVIL_RELAYER_KEY)) {
      console.log(`  relayed    ${relayLine(o)}`);
      if (o.status !== 'posted') process.exitCode = 1;
    }
    const relayedAgain = await relayPackage(split, deployments, ANVIL_RELAYER_KEY);
    console.log(
      `  relayed    again: ${relayedAgain.map((o) => `${o.name} ${o.status}`).join(', ')} (idempotent)`,
    );

    // Each token mints against its own posted share only; one unit past it is refused.
    for (const [name, d] of [
      ['offshore-a', dA],
      ['offshore-b', dB],
    ] as const) {
      const share = BigInt(allocationFor(table, d.chainId, d.addresses.token)!.amount);
      const holder = Wallet.createRandom().address;
      const half = share / 2n;
      const minted = await (await d.token.getFunction('mint')(holder, half)).wait();
      console.log(
        `  minted     ${formatAmount(half, unit)} on ${name} (half its share ` +
          `${formatAmount(share, unit)}), plain mint gas ${minted.gasUsed}`,
      );
      if (name === 'offshore-a') {
        // The one-call path still works: proof, signatures and rows with the mint.
        const rest = share - half;
        const one = await (
          await d.token.getFunction('mintWithProof')(
            ...mintWithProofArgs(
              split,
              holder,
              rest,
              await headWitness(d.token, split.snapshot.setId),
            ),
          )
        ).wait();
        console.log(
          `  minted     ${formatAmount(rest, unit)} more on ${name} with mintWithProof ` +
            `(one call), gas ${one.gasUsed}: its share is used up`,
        );
      }
      const supply = (await d.token.getFunction('totalSupply')()) as bigint;
      const past = share - supply + 1n;
      try {
        await d.token.getFunction('mint')(holder, past);
        console.log(`  beyond     a mint past ${name}'s share was ACCEPTED (bug!)`);
        process.exitCode = 1;
      } catch (err) {
        console.log(
          `  beyond     minting ${formatAmount(past, unit)} more on ${name} (one unit past its ` +
            `share): refused, ${revertName(d.token, err) ?? 'reverted'}`,
        );
      }
      if (supply > share) process.exitCode = 1;
    }
    const supplies = await Promise.all(
      [dA, dB].map(async (d) => (await d.token.getFunction('totalSupply')()) as bigint),
    );
    const total = supplies.reduce((a, b) => a + b, 0n);
    console.log(
      `  supply     ${supplies.map((x) => formatAmount(x, unit)).join(' + ')} = ` +
        `${formatAmount(total, unit)} <= capacity ${formatAmount(capacity, unit)}: ` +
        `the same collateral never backs both\n`,
    );
    if (total > capacity) process.exitCode = 1;
  }

  console.log('SUMMARY');
  console.log(`  ${'claim'.padEnd(32)} ${'circuit'.padEnd(17)} constr.  proof    offshore`);
  for (const row of rows) console.log(row);
  console.log(
    `\n  all three claims are about the same snapshot (same commitment), ` +
      `co-signed 2 of 3${process.env.REDIS_URL ? ' through the onshore service' : ''}`,
  );
  console.log(
    `  crossed the border: claim, circuit id, 3 public signals, proof, the snapshot's P-256 ` +
      `co-signatures, its signer set, epoch and previous commitment, unit and as-of time, the FX table` +
      `\n  stayed onshore:     ${snapshot.positions.length} identifiers, values, currencies, ` +
      `haircuts, yields, the salt and the signers' private keys` +
      `\n  revealed by design: coverage liabilities (${formatAmount(snapshot.liabilities, unit)}), ` +
      `the claims' bounds, the as-of time, the public FX rates`,
  );
  console.log(`\n  total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await terminateSnarkjsCurve();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `error: ${err.message}` : err);
  process.exit(1);
});
