/**
 * v2 mint material with REAL P-256 signatures (@noble/curves) over the V2SPEC messages, and a
 * proof of small numbers for tests that run the token against test/contracts/fixtures/MockVerifier.
 */
import { p256 } from '@noble/curves/p256';
import { createHash, randomBytes } from 'node:crypto';
import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import type { MintPackage } from '../../src/chain/mint-call';
import {
  fxMessage,
  keyIdOf,
  singleSignerSetId,
  snapshotMessage,
  type P256PublicKey,
} from '../../src/chain/signed-messages';

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

export interface FixtureOptions {
  context: bigint;
  signer: TestP256Key;
  currency: string;
  decimals: number;
  asOf: number;
  capacity: bigint;
  minCoverageBps?: number;
  /** The fxTable signal; the unit's identity table unless an FX source signs another. */
  fxTable: bigint;
  fx?: { source: TestP256Key; asOf: number };
  commitment?: bigint;
  epoch?: bigint;
}

/** A v2 package as far as a mint reads it, signed for real; the proof is placeholder numbers. */
export function mintFixture(o: FixtureOptions): MintPackage {
  const commitment = o.commitment ?? randomField();
  const statement = o.context | (BigInt(o.minCoverageBps ?? 12_000) << 128n) | (o.capacity << 144n);
  const setId = singleSignerSetId(o.signer.keyId);
  const zero = '0'.repeat(64);
  const snapshot = {
    setId,
    epoch: (o.epoch ?? 0n).toString(),
    prevCommitment: zero,
    asOf: o.asOf,
    currency: o.currency,
    decimals: o.decimals,
    allocations: zero,
    chunks: 0,
  };
  const signature = o.signer.sign(
    snapshotMessage({
      ...snapshot,
      epoch: BigInt(snapshot.epoch),
      commitment,
      fxTable: o.fxTable,
    }),
  );
  return {
    type: 'zkattest.attestation/v2',
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
      pi_c: ['7', '8', '1'],
    },
    snapshot,
    signatures: [{ keyId: o.signer.keyId, signature }],
    fx: o.fx
      ? {
          source: {
            keyId: o.fx.source.keyId,
            asOf: o.fx.asOf,
            signature: o.fx.source.sign(
              fxMessage({
                fxTable: o.fxTable,
                currency: o.currency,
                decimals: o.decimals,
                asOf: o.fx.asOf,
              }),
            ),
          },
        }
      : {},
  };
}
