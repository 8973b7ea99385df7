import { join } from 'node:path';
import {
  allocationContext,
  allocationsHash,
  parseAllocationTable,
  type AllocationTable,
} from '../../src/common/allocations';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { messageBytes, signedSnapshotOf } from '../../src/common/signed-snapshot';
import {
  ClaimProver,
  loadPrimitives,
  loadSnapshotFile,
  randomSalt,
  type Snapshot,
} from '../../src/prover';
import { VerificationKeyRegistry, verifyPackage } from '../../src/verifier';
import { testSigner } from '../fixtures';
import { rejectionOf } from '../support/zk-error';

const TOKEN_A = '0x' + 'aa'.repeat(20);
const TOKEN_B = '0x' + 'bb'.repeat(20);
/** The sample book's liabilities: CNY 81,180,000.00 in minor units. */
const CAPACITY = 8_118_000_000n;

const split = (a: bigint, b: bigint): AllocationTable =>
  parseAllocationTable({
    rows: [
      { chainId: '31338', token: TOKEN_A, amount: a.toString() },
      { chainId: '31339', token: TOKEN_B, amount: b.toString() },
    ],
  });
const TABLE = split(5_000_000_000n, 3_000_000_000n);
const params = { claim: 'coverage' as const, minCoverageBps: 11000 };

let prover: ClaimProver;
let snapshot: Snapshot;
let salt: bigint;
let registry: VerificationKeyRegistry;
let splitPkg: AttestationPackage;
let plainPkg: AttestationPackage;
const clone = (of: AttestationPackage) => JSON.parse(JSON.stringify(of)) as AttestationPackage;

/** Re-signs a package's snapshot message as its 1-of-1 signer would (the proof is untouched). */
async function resign(pkg: AttestationPackage): Promise<AttestationPackage> {
  const signer = await testSigner();
  const signature = await signer.sign(messageBytes(signedSnapshotOf(pkg).message));
  return { ...pkg, signatures: [{ ...pkg.signatures[0]!, signature }] };
}

beforeAll(async () => {
  const p = await loadPrimitives();
  snapshot = loadSnapshotFile(join(__dirname, '..', '..', 'examples', 'snapshot.json'));
  prover = new ClaimProver(p);
  salt = randomSalt();
  const signer = await testSigner();
  const context = allocationContext(allocationsHash(TABLE));
  splitPkg = (await prover.prove({ snapshot, salt, signer, params, context, allocations: TABLE }))
    .package;
  plainPkg = (await prover.prove({ snapshot, salt, signer, params, context: 42n })).package;
  registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
});

describe('a split coverage package', () => {
  it('signs the table’s hash, carries the table and verifies, showing the rows', async () => {
    expect(splitPkg.snapshot.allocations).toBe(allocationsHash(TABLE));
    expect(splitPkg.allocations).toEqual(TABLE);
    const verdict = await verifyPackage(splitPkg, registry);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.valid).toBe(true);
    expect(verdict.publicValues?.allocations).toEqual(TABLE.rows);
    expect(verdict.publicValues?.context).toBe(
      allocationContext(splitPkg.snapshot.allocations).toString(),
    );
    // A package without a split has neither.
    expect(plainPkg.allocations).toBeUndefined();
    expect((await verifyPackage(plainPkg, registry)).publicValues?.allocations).toBeUndefined();
  });

  it('is ALLOCATIONS_MISMATCH when the table is not the signed one', async () => {
    const other = clone(splitPkg);
    other.allocations!.rows[1]!.amount = '3000000001';
    const verdict = await verifyPackage(other, registry);
    expect(verdict.valid).toBe(false);
    expect(verdict.reasons).toEqual(['ALLOCATIONS_MISMATCH']);
  });

  it('is ALLOCATIONS_MISMATCH with a table and no signed hash, or a hash and no table', async () => {
    const tableOnly = { ...clone(plainPkg), allocations: TABLE };
    expect((await verifyPackage(tableOnly, registry)).reasons).toEqual(['ALLOCATIONS_MISMATCH']);
    const { allocations: _dropped, ...hashOnly } = clone(splitPkg);
    expect((await verifyPackage(hashOnly, registry)).reasons).toEqual(['ALLOCATIONS_MISMATCH']);
  });

  it('is ALLOCATIONS_MISMATCH for the signed rows out of canonical order', async () => {
    const reordered = clone(splitPkg);
    reordered.allocations!.rows.reverse();
    expect((await verifyPackage(reordered, registry)).reasons).toEqual(['ALLOCATIONS_MISMATCH']);
  });

  it('is ALLOCATIONS_OVER_CAPACITY for a signed table summing past the liabilities', async () => {
    // A custodian signing such a table by hand: the signature and the proof are good.
    const over = split(5_000_000_000n, CAPACITY - 5_000_000_000n + 1n);
    const pkg = await resign({
      ...clone(splitPkg),
      allocations: over,
      snapshot: { ...splitPkg.snapshot, allocations: allocationsHash(over) },
    });
    const verdict = await verifyPackage(pkg, registry);
    expect(verdict.reasons).toEqual(['ALLOCATIONS_OVER_CAPACITY']);
    // Exactly the capacity is fine.
    const full = split(5_000_000_000n, CAPACITY - 5_000_000_000n);
    const fits = await resign({
      ...clone(splitPkg),
      allocations: full,
      snapshot: { ...splitPkg.snapshot, allocations: allocationsHash(full) },
    });
    expect((await verifyPackage(fits, registry)).reasons).toEqual([]);
  });

  it('refuses an unknown field inside the table (strict schema)', async () => {
    const extra = clone(splitPkg) as unknown as { allocations: { rows: object[] } };
    extra.allocations.rows[0] = { ...extra.allocations.rows[0], note: 'x' };
    const err = await rejectionOf(verifyPackage(extra, registry));
    expect(err.code).toBe('PACKAGE_INVALID');
    expect(err.message).toContain('allocations.rows.0');
  });
});

describe('the prover', () => {
  const context = (t: AllocationTable) => allocationContext(allocationsHash(t));

  it('refuses a table over the capacity before signing or proving (ALLOCATIONS_OVER_CAPACITY)', async () => {
    const over = split(5_000_000_000n, CAPACITY - 5_000_000_000n + 1n);
    let signed = 0;
    const base = await testSigner();
    const signer = { ...base, sign: (m: Uint8Array) => (signed++, base.sign(m)) };
    const err = await rejectionOf(
      prover.prove({ snapshot, salt, signer, params, context: context(over), allocations: over }),
    );
    expect(err.code).toBe('ALLOCATIONS_OVER_CAPACITY');
    expect(err.message).not.toMatch(/[0-9]{4,}/); // no amounts in the message
    expect(signed).toBe(0);
    // Co-signers are not even asked: the message itself is refused.
    expect(() => prover.message({ snapshot, salt, allocations: over }, '00'.repeat(32))).toThrow(
      expect.objectContaining({ code: 'ALLOCATIONS_OVER_CAPACITY' }),
    );
  });

  it('refuses a split proof whose context is not the table’s, and a non-coverage split', async () => {
    const signer = await testSigner();
    const wrong = await rejectionOf(
      prover.prove({ snapshot, salt, signer, params, context: 42n, allocations: TABLE }),
    );
    expect(wrong.code).toBe('ALLOCATIONS_INVALID');
    const concentration = await rejectionOf(
      prover.prove({
        snapshot,
        salt,
        signer,
        params: { claim: 'concentration', maxShareBps: 9000, allowedClasses: [0, 1, 2, 3] },
        context: context(TABLE),
        allocations: TABLE,
      }),
    );
    expect(concentration.code).toBe('ALLOCATIONS_INVALID');
  });
});
