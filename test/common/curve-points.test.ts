import { randomBytes } from 'node:crypto';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519';
import { p256 } from '@noble/curves/p256';
import { isEd25519PrimeOrderPoint, isP256Point } from '../../src/common/curve-points';

const P256_P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const ED_P = 2n ** 255n - 19n;

const be32 = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
const le32 = (n: bigint) => be32(n).reverse();
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

function p256Key(): { x: bigint; y: bigint } {
  const point = p256.ProjectivePoint.fromPrivateKey(p256.utils.randomPrivateKey());
  return point.toAffine();
}

describe('isP256Point', () => {
  it('accepts public keys', () => {
    for (let i = 0; i < 5; i++) {
      const { x, y } = p256Key();
      expect(isP256Point(be32(x), be32(y))).toBe(true);
    }
  });

  it('refuses off-curve points, coordinates of p and above, (0, 0) and wrong lengths', () => {
    const { x, y } = p256Key();
    expect(isP256Point(be32(x), be32((y + 1n) % P256_P))).toBe(false);
    // x + p is the same residue: only the reduced coordinate is a canonical JWK member.
    if (x + P256_P < 2n ** 256n) expect(isP256Point(be32(x + P256_P), be32(y))).toBe(false);
    expect(isP256Point(be32(P256_P), be32(y))).toBe(false);
    expect(isP256Point(be32(0n), be32(0n))).toBe(false);
    expect(isP256Point(be32(x).subarray(1), be32(y))).toBe(false);
  });
});

describe('isEd25519PrimeOrderPoint', () => {
  it('accepts public keys', () => {
    for (let i = 0; i < 5; i++) {
      expect(isEd25519PrimeOrderPoint(ed25519.getPublicKey(randomBytes(32)))).toBe(true);
    }
  });

  it('refuses every small-order point (under one, any signature verifies)', () => {
    expect(ED25519_TORSION_SUBGROUP).toHaveLength(8);
    for (const torsion of ED25519_TORSION_SUBGROUP) {
      expect(isEd25519PrimeOrderPoint(hex(torsion))).toBe(false);
    }
  });

  it('refuses a key plus a small-order point (a torsion component)', () => {
    const key = ed25519.ExtendedPoint.fromHex(ed25519.getPublicKey(randomBytes(32)));
    for (const torsion of ED25519_TORSION_SUBGROUP.slice(1)) {
      const mixed = key.add(ed25519.ExtendedPoint.fromHex(torsion)).toRawBytes();
      expect(isEd25519PrimeOrderPoint(mixed)).toBe(false);
    }
  });

  it('refuses non-canonical and undecodable encodings', () => {
    const key = ed25519.getPublicKey(randomBytes(32));
    // y = p and y = p + 1 are non-canonical encodings of 0 and 1.
    expect(isEd25519PrimeOrderPoint(le32(ED_P))).toBe(false);
    expect(isEd25519PrimeOrderPoint(le32(ED_P + 1n))).toBe(false);
    expect(isEd25519PrimeOrderPoint(le32(2n))).toBe(false); // no x for y = 2
    // x = 0 with the sign bit set (y = 1 is the identity, x = 0).
    expect(isEd25519PrimeOrderPoint(le32(1n | (1n << 255n)))).toBe(false);
    expect(isEd25519PrimeOrderPoint(key.subarray(1))).toBe(false);
  });
});
