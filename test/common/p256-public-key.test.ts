import { ZkAttestError } from '../../src/common/errors';
import { checkedKeyId, keyIdOf, parsePublicKey } from '../../src/common/p256';
import { hex64, newP256Key, offCurve, P256_P } from '../support/p256-keys';

// The P-256 generator (SEC 2 / FIPS 186-4), and sha256 of its 64 coordinate bytes as
// `xxd -r -p | openssl dgst -sha256` prints it.
const G = {
  x: '6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296',
  y: '4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5',
};
const G_KEY_ID = 'd875db7def232236aec738c6b0bb3e80142f5d0fd8f4df24fed6eef5cbb50d9f';

function refusal(value: unknown): { code: string; field: unknown; message: string } {
  try {
    parsePublicKey(value);
  } catch (err) {
    if (!(err instanceof ZkAttestError)) throw err;
    return { code: err.code, field: err.details.field, message: err.message };
  }
  throw new Error('accepted');
}

describe('parsePublicKey', () => {
  it('accepts points on the curve; keyId = sha256(x || y)', () => {
    expect(parsePublicKey(G)).toEqual(G);
    expect(keyIdOf(G)).toBe(G_KEY_ID);
    const key = newP256Key();
    expect(keyIdOf(parsePublicKey(key.publicKey))).toBe(key.keyId);
  });

  it.each([
    ['off the curve', offCurve(G), 'publicKey'],
    ['the point at infinity (0, 0)', { x: hex64(0n), y: hex64(0n) }, 'publicKey'],
    ['x = p (not below the field prime)', { x: hex64(P256_P), y: G.y }, 'publicKey'],
    [
      'x + p (same residue as a valid x)',
      { x: G.x, y: hex64(BigInt(`0x${G.y}`) + P256_P) },
      'publicKey.y',
    ],
    ['uppercase hex', { x: G.x.toUpperCase(), y: G.y }, 'publicKey.x'],
    ['0x prefix', { x: `0x${G.x.slice(2)}`, y: G.y }, 'publicKey.x'],
    ['short coordinate', { x: G.x.slice(1), y: G.y }, 'publicKey.x'],
    ['a number', { x: 5, y: G.y }, 'publicKey.x'],
    ['missing y', { x: G.x }, 'publicKey.y'],
    ['an extra field', { ...G, kty: 'EC' }, 'publicKey'],
    ['an array', [G.x, G.y], 'publicKey'],
    ['null', null, 'publicKey'],
  ])('refuses %s with KEY_MALFORMED, naming the field, not the value', (_what, value, field) => {
    const r = refusal(value);
    expect([r.code, r.field]).toEqual(['KEY_MALFORMED', field]);
    expect(r.message).not.toMatch(/[0-9a-f]{16}/i);
  });

  it('checkedKeyId refuses a keyId that is not the key', () => {
    expect(checkedKeyId(G)).toBe(G_KEY_ID);
    expect(checkedKeyId(G, G_KEY_ID)).toBe(G_KEY_ID);
    expect(() => checkedKeyId(G, newP256Key().keyId)).toThrow(
      expect.objectContaining({ code: 'KEY_MALFORMED', details: { field: 'keyId' } }),
    );
  });
});
