/**
 * v2 attestation packages with REAL P-256 signatures (@noble/curves) over the V2SPEC messages
 * (src/common builds them), signed by k of a k-of-n signer set at any epoch and link, and a
 * proof of small numbers, for tests that run the token against
 * test/contracts/fixtures/MockVerifier.
 */
import { p256 } from '@noble/curves/p256';
import { createHash, randomBytes } from 'node:crypto';
import {
  allocationsHash,
  parseAllocationTable,
  type AllocationTable,
} from '../../src/common/allocations';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import { fxMessage, identityFxTable, type FxTable } from '../../src/common/fx-table';
import { snapshotMessage, ZERO_BYTES32 } from '../../src/common/snapshot-message';
import { keyIdOf, type P256PublicKey } from '../../src/common/p256';
import { buildSignerSet, type SignerSet } from '../../src/common/signer-set';

export const P256_N = p256.CURVE.n;
const hex64 = (n: bigint) => n.toString(16).padStart(64, '0');

/** A P-256 test key that signs message bytes as the Signer interface does (SHA-256, low-s). */
export class TestP256Key {
  readonly priv = p256.utils.randomPrivateKey();
  readonly publicKey: P256PublicKey;
  readonly keyId: string;

  constructor() {
    const raw = Buffer.from(p256.getPublicKey(this.priv, false)).toString('hex');
    this.publicKey = { x: raw.slice(2, 66), y: raw.slice(66, 130) };
    this.keyId = keyIdOf(this.publicKey);
  }

  /** hex128 r || s, low-s. */
  sign(message: Uint8Array): string {
    const digest = createHash('sha256').update(message).digest();
    const sig = p256.sign(digest, this.priv, { lowS: true });
    return hex64(sig.r) + hex64(sig.s);
  }
}

/** The same signature with s -> n - s (valid ECDSA, but high-s). */
export function highS(hex128: string): string {
  const s = BigInt(`0x${hex128.slice(64)}`);
  return hex128.slice(0, 64) + hex64(P256_N - s);
}

export const randomField = () =>
  BigInt(`0x${randomBytes(31).toString('hex')}`) % SNARK_SCALAR_FIELD;

/** A two-currency table reporting in USD 2 (HKD 2 at 0.128 USD), as an FX source would sign. */
export const USD_HKD_TABLE: FxTable = {
  reporting: { currency: 'USD', decimals: 2 },
  rows: [
    { currency: 'USD', decimals: 2, rate: '1000000000000' },
    { currency: 'HKD', decimals: 2, rate: '128000000000' },
  ],
};

/** A signer set and its members' test keys, in the set's order (ascending keyId). */
export interface TestSignerSet {
  set: SignerSet;
  keys: TestP256Key[];
}

/** A k-of-n set of fresh keys (or the given ones), labelled "Signer 1".. unless told. */
export function testSignerSet(
  threshold: number,
  keysOrCount: number | TestP256Key[],
  labels?: string[],
): TestSignerSet {
  const given =
    typeof keysOrCount === 'number'
      ? Array.from({ length: keysOrCount }, () => new TestP256Key())
      : keysOrCount;
  const set = buildSignerSet(
    threshold,
    given.map((k, i) => ({ publicKey: k.publicKey, label: labels?.[i] ?? `Signer ${i + 1}` })),
  );
  const keys = set.signers.map((m) => given.find((k) => k.keyId === m.keyId)!);
  return { set, keys };
}

/** The 1-of-1 set of one key. */
export const soloSet = (key: TestP256Key): TestSignerSet => testSignerSet(1, [key], ['solo']);

export interface FixtureOptions {
  context: bigint;
  /** Signs as a 1-of-1 set when no `set` is given. */
  signer: TestP256Key;
  /** The signer set; default the 1-of-1 set of `signer`. */
  set?: TestSignerSet;
  /** Who signs; default the set's first `threshold` members. */
  signWith?: TestP256Key[];
  /** Default the 32 zero bytes. */
  prevCommitment?: string;
  currency: string;
  decimals: number;
  asOf: number;
  capacity: bigint;
  minCoverageBps?: number;
  /** The fxTable signal (the table's hash, or anything for a mock verifier). */
  fxTable: bigint;
  /** The table in the package; default the unit's identity table. */
  table?: FxTable;
  fx?: { source: TestP256Key; asOf: number };
  commitment?: bigint;
  epoch?: number;
  /** An allocation table: signed as the snapshot's `allocations`, carried in the package. */
  allocations?: AllocationTable;
}

/** A v2 package that may carry an allocation table (ALLOCSPEC). */
export type FixturePackage = AttestationPackage & { allocations?: AllocationTable };

/** A v2 package, signed for real; the proof is placeholder numbers bound to its statement. */
export function mintFixture(o: FixtureOptions): FixturePackage {
  const commitment = o.commitment ?? randomField();
  const statement = o.context | (BigInt(o.minCoverageBps ?? 12_000) << 128n) | (o.capacity << 144n);
  const unit = { currency: o.currency, decimals: o.decimals };
  const { set, keys } = o.set ?? soloSet(o.signer);
  const snapshot = {
    setId: set.setId,
    epoch: o.epoch ?? 0,
    prevCommitment: o.prevCommitment ?? ZERO_BYTES32,
    asOf: o.asOf,
    ...unit,
    allocations: o.allocations ? allocationsHash(o.allocations) : ZERO_BYTES32,
    chunks: 0,
  };
  const message = snapshotMessage({
    ...snapshot,
    epoch: BigInt(snapshot.epoch),
    commitment,
    fxTableHash: o.fxTable,
  });
  const signWith = o.signWith ?? keys.slice(0, set.threshold);
  return {
    type: 'zkattest.attestation/v2',
    claim: 'coverage',
    circuitId: 'coverage-32',
    vkeyHash: '0'.repeat(64),
    publicSignals: {
      commitment: commitment.toString(),
      statement: statement.toString(),
      fxTable: o.fxTable.toString(),
    },
    proof: {
      pi_a: ['1', '2', '1'],
      pi_b: [
        ['3', '4'],
        ['5', '6'],
        ['1', '0'],
      ],
      // The statement the placeholder proof is bound to (test/contracts/fixtures/MockVerifier).
      pi_c: [statement.toString(), '8', '1'],
      protocol: 'groth16',
      curve: 'bn128',
    },
    snapshot,
    signerSet: { threshold: set.threshold, keyIds: set.signers.map((m) => m.keyId) },
    signatures: signWith.map((k) => ({
      keyId: k.keyId,
      publicKey: k.publicKey,
      signature: k.sign(message),
    })),
    fx: {
      table: o.table ?? identityFxTable(unit),
      ...(o.fx
        ? {
            source: {
              keyId: o.fx.source.keyId,
              publicKey: o.fx.source.publicKey,
              asOf: o.fx.asOf,
              signature: o.fx.source.sign(fxMessage(o.fxTable, unit, o.fx.asOf)),
            },
          }
        : {}),
    },
    createdAt: new Date().toISOString(),
    ...(o.allocations ? { allocations: parseAllocationTable(o.allocations) } : {}),
  };
}
