import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import type { AttestationPackage } from '../../../src/common/attestation-package';
import { ZkAttestError } from '../../../src/common/errors';
import { START } from '../../../src/common/large-book-accumulator';
import type { Signer } from '../../../src/common/p256-signer';
import { messageBytes, signedSnapshotOf } from '../../../src/common/signed-snapshot';
import { statementId } from '../../../src/common/statement-id';
import {
  ClaimProver,
  loadPrimitives,
  type ChunkProof,
  type ClaimParams,
  type Position,
  type Primitives,
  type Snapshot,
} from '../../../src/prover';
import { VerificationKeyRegistry, verifyPackage } from '../../../src/verifier';
import {
  challengeNonce,
  registerCustodian,
  startApi,
  type ApiUnderTest,
} from '../../api/api-harness';
import { largePositions } from '../../circuits/large-book-fixtures';
import { SALT, testSigner } from '../../fixtures';
import { newInstitution, type Institution } from '../../support/attestation-factory';

const POSITIONS = 512;
const COVERAGE = { claim: 'coverage', minCoverageBps: 12000 } as const;
const BIN = join(__dirname, '..', '..', '..', 'bin', 'zkattest.cjs');

let p: Primitives;
let prover: ClaimProver;
let registry: VerificationKeyRegistry;
let signer: Signer;
let api: ApiUnderTest;
let bank: Institution;
let book: Snapshot;
let pkg: AttestationPackage;
let proveMs: number;

/** A book of `count` positions in CNY (the identity table), dated an hour ago. */
function cnyBook(count: number, fields: (i: number) => Partial<Position> = () => ({})): Snapshot {
  return {
    asOf: Math.floor(Date.now() / 1000) - 3600,
    currency: 'CNY',
    decimals: 2,
    liabilities: 100_000_000n,
    positions: largePositions(count, (i) => ({ currency: 'CNY', ...fields(i) })),
  };
}

const clone = (): AttestationPackage => structuredClone(pkg);
const chunksOf = (p: AttestationPackage) => p.chunks!;

beforeAll(async () => {
  [p, signer, api, bank] = await Promise.all([
    loadPrimitives(),
    testSigner(1),
    startApi({}, { bodyLimitBytes: 1024 * 1024 }),
    newInstitution('onshore-bank', 'EdDSA'),
  ]);
  prover = new ClaimProver(p);
  registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
  await registerCustodian(api, bank, signer);
  book = cnyBook(POSITIONS);
  const context = await challengeNonce(api.app);
  const started = performance.now();
  ({ package: pkg } = await prover.prove({
    snapshot: book,
    salt: SALT,
    signer,
    params: COVERAGE,
    context,
  }));
  proveMs = performance.now() - started;
  console.log(`512 positions (16 chunks): proved in ${Math.round(proveMs)} ms`);
}, 600_000);

afterAll(async () => {
  await api.close();
});

describe('a 512-position book (16 chunks)', () => {
  it('is proved as 16 chained chunk proofs and a coverage-4096 final proof', () => {
    expect(pkg.circuitId).toBe('coverage-4096');
    expect(pkg.snapshot.chunks).toBe(16);
    const chunks = chunksOf(pkg);
    expect(chunks).toHaveLength(16);
    expect(chunks[0]!.publicSignals.accIn).toBe(START.toString());
    chunks.forEach((c, k) => {
      expect(c.publicSignals.commitment).toBe(pkg.publicSignals.commitment);
      if (k > 0) expect(c.publicSignals.accIn).toBe(chunks[k - 1]!.publicSignals.accOut);
    });
    expect(pkg.publicSignals.chunkSet).toBe(chunks[15]!.publicSignals.accOut);
    // The message signed before proving is the one in the package.
    expect(prover.message({ snapshot: book, salt: SALT }, pkg.snapshot.setId).chunks).toBe(16);
  });

  it('verifies (one batch for the chunks), and the API records it like any other', async () => {
    const started = performance.now();
    const verdict = await verifyPackage(pkg, registry);
    console.log(`512 positions: verifyPackage in ${Math.round(performance.now() - started)} ms`);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.valid).toBe(true);
    expect(verdict.meaning).toContain('at least 120.00%');
    expect(verdict.invalidChunks).toBeUndefined();

    const res = await request(api.app)
      .post('/v1/attestations')
      .send({ envelope: await bank.seal(pkg) });
    expect(res.status).toBe(201);
    expect(res.body.attestation).toMatchObject({
      id: statementId(pkg),
      claim: 'coverage',
      valid: true,
      commitment: pkg.publicSignals.commitment,
    });
    await request(api.app)
      .get(`/v1/attestations/${statementId(pkg)}`)
      .expect(200);
  });

  it('is accepted by `zkattest verify`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkattest-large-'));
    writeFileSync(join(dir, 'large.json'), JSON.stringify(pkg));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [BIN, 'verify', 'large.json', '--allow-development-keys'],
      { cwd: dir },
    );
    expect(stdout).toContain('VALID coverage proof');
    // A file past the package bound is refused before it is read.
    writeFileSync(join(dir, 'huge.json'), ' '.repeat(600 * 1024));
    const huge = await promisify(execFile)(
      process.execPath,
      [BIN, 'verify', 'huge.json', '--allow-development-keys'],
      { cwd: dir },
    ).catch((err: { stderr: string; code: number }) => err);
    expect(huge.stderr).toContain('PACKAGE_INVALID');
  });
});

describe('proving a large book', () => {
  it('checks the signatures before any chunk is proved', async () => {
    const other = await testSigner(2);
    const started = performance.now();
    await expect(
      prover.prove({
        snapshot: book,
        salt: SALT,
        cosigned: {
          signerSet: { threshold: 1, keyIds: [signer.keyId] },
          signatures: [
            {
              keyId: signer.keyId,
              publicKey: signer.publicKey,
              signature: await other.sign(new Uint8Array([1])),
            },
          ],
        },
        params: COVERAGE,
        context: 1n,
      }),
    ).rejects.toMatchObject({ code: 'SNAPSHOT_SIGNATURES_REFUSED' });
    // One chunk proof alone takes seconds here.
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe('a large package is refused when its chunks do not make the signed book', () => {
  const refused = async (tampered: AttestationPackage, ...reasons: string[]) => {
    const verdict = await verifyPackage(tampered, registry);
    expect(verdict.valid).toBe(false);
    for (const r of reasons) expect(verdict.reasons).toContain(r);
    return verdict;
  };

  it('a chunk swapped from another book', async () => {
    // Another book: the same positions but one value changed.
    const other = cnyBook(POSITIONS, (i) => (i === 100 ? { value: 5_000_000n } : {}));
    const planned = prover.planLargeBook({ snapshot: other, salt: SALT });
    const tampered = clone();
    const k = 3;
    chunksOf(tampered)[k] = await prover.proveChunk(planned, k);
    await refused(tampered, 'CHUNK_MISMATCH');
  });

  it('a chunk from another signed root of the same book (another salt)', async () => {
    const planned = prover.planLargeBook({ snapshot: book, salt: SALT + 1n });
    const tampered = clone();
    chunksOf(tampered)[5] = await prover.proveChunk(planned, 5);
    await refused(tampered, 'CHUNK_MISMATCH', 'CHUNK_CHAIN_BROKEN');
  });

  it('a chunk dropped', async () => {
    const tampered = clone();
    chunksOf(tampered).splice(7, 1);
    await refused(tampered, 'CHUNK_CHAIN_BROKEN');
    const last = clone();
    chunksOf(last).pop();
    await refused(last, 'CHUNK_CHAIN_BROKEN');
  });

  it('a chunk counted twice', async () => {
    const tampered = clone();
    chunksOf(tampered)[8] = chunksOf(tampered)[7]!;
    await refused(tampered, 'CHUNK_CHAIN_BROKEN');
  });

  it('chunks reordered', async () => {
    const tampered = clone();
    const c = chunksOf(tampered);
    [c[4], c[5]] = [c[5]!, c[4]!];
    await refused(tampered, 'CHUNK_CHAIN_BROKEN');
  });

  it('a chunkSet that is not the last accOut', async () => {
    const tampered = clone();
    tampered.publicSignals.chunkSet = chunksOf(tampered)[14]!.publicSignals.accOut;
    await refused(tampered, 'CHUNK_CHAIN_BROKEN', 'PROOF_INVALID');
  });

  it('a signed chunk count that is not the number of chunks', async () => {
    const tampered = clone();
    const { message } = signedSnapshotOf(tampered);
    const resigned = { ...message, chunks: 32 };
    tampered.snapshot.chunks = 32;
    tampered.signatures = [
      {
        keyId: signer.keyId,
        publicKey: signer.publicKey,
        signature: await signer.sign(messageBytes(resigned)),
      },
    ];
    const verdict = await refused(tampered, 'CHUNK_CHAIN_BROKEN');
    // Only the count is wrong: the signatures and every proof hold.
    expect(verdict.reasons).toEqual(['CHUNK_CHAIN_BROKEN']);
  });

  it('one invalid chunk proof, named by the batch bisection', async () => {
    const tampered = clone();
    const c = chunksOf(tampered);
    c[9] = { ...c[9]!, proof: c[10]!.proof } as ChunkProof;
    const verdict = await refused(tampered, 'PROOF_INVALID');
    expect(verdict.reasons).toEqual(['PROOF_INVALID']);
    expect(verdict.invalidChunks).toEqual([9]);
    const dir = mkdtempSync(join(tmpdir(), 'zkattest-large-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(tampered));
    const cli = await promisify(execFile)(
      process.execPath,
      [BIN, 'verify', 'bad.json', '--allow-development-keys'],
      { cwd: dir },
    ).catch((err: { stdout: string }) => err);
    expect(cli.stdout).toContain('invalid chunk proofs: 9');
  });

  it('a final proof without its chunks, chunks beside a single-proof circuit, a chunk out of the field', async () => {
    const bare = clone();
    delete bare.chunks;
    delete bare.publicSignals.chunkSet;
    await expect(verifyPackage(bare, registry)).rejects.toMatchObject({ code: 'PACKAGE_INVALID' });
    const halfBare = clone();
    delete halfBare.chunks;
    await expect(verifyPackage(halfBare, registry)).rejects.toMatchObject({
      code: 'PACKAGE_INVALID',
    });
    const small = clone();
    small.circuitId = 'coverage-32';
    small.vkeyHash = registry.getById('coverage-32').entry.vkeyHash;
    await expect(verifyPackage(small, registry)).rejects.toMatchObject({ code: 'PACKAGE_INVALID' });
    const outside = clone();
    chunksOf(outside)[3]!.publicSignals.accIn = (1n << 254n).toString();
    const err = await verifyPackage(outside, registry).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZkAttestError);
    expect((err as ZkAttestError).code).toBe('SIGNAL_OUT_OF_FIELD');
    expect((err as ZkAttestError).message).toContain('chunks.3.publicSignals.accIn');
  });

  it('assembles the same package from chunk proofs made elsewhere, and refuses foreign ones', async () => {
    const chunks = chunksOf(pkg);
    const request = { snapshot: book, salt: SALT, signer, params: COVERAGE, context: 7n };
    // Blinds derive from the salt: chunk k proved again, alone, has the same public signals.
    const again = await prover.proveChunk(prover.planLargeBook({ snapshot: book, salt: SALT }), 2);
    expect(again.publicSignals).toEqual(chunks[2]!.publicSignals);
    const assembled = await prover.assembleLargePackage(request, chunks);
    expect((await verifyPackage(assembled.package, registry)).valid).toBe(true);
    // The same chunk proofs serve every claim on the snapshot: only the final proof differs.
    const claims: ClaimParams[] = [
      { claim: 'yield-range', minYieldBps: 100, maxYieldBps: 600 },
      { claim: 'concentration', maxShareBps: 100, allowedClasses: [1, 2, 3] },
    ];
    for (const params of claims) {
      const other = await prover.assembleLargePackage({ ...request, params }, chunks);
      expect(other.package.circuitId).toBe(`${params.claim}-4096`);
      expect(await verifyPackage(other.package, registry)).toMatchObject({ valid: true });
    }
    const reordered = [chunks[1]!, chunks[0]!, ...chunks.slice(2)];
    await expect(prover.assembleLargePackage(request, reordered)).rejects.toMatchObject({
      code: 'ARTIFACT_MISMATCH',
    });
    await expect(prover.assembleLargePackage(request, chunks.slice(1))).rejects.toMatchObject({
      code: 'ARTIFACT_MISMATCH',
    });
  });
});
