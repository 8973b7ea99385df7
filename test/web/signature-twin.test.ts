/**
 * The page's signature check (crypto.subtle) and the server's (node:crypto) give the same
 * answer on the same signed snapshots: valid k of n, too few, a duplicate, an outsider, an
 * edited message, another set, a key id that is not the key's, and malformed signatures.
 */
import { webcrypto } from 'node:crypto';
import { checkSignatures, type SignedSnapshot } from '../../src/common/signed-snapshot';
import { setMembership, type SignerSet } from '../../src/common/signer-set';
import { ZERO_BYTES32 } from '../../src/common/snapshot-message';
import { checkSignaturesInBrowser } from '../../src/web/verify/signatures';
import { AttestationFactory } from '../support/attestation-factory';
import { P256_ORDER } from '../../src/common/p256';

let factory: AttestationFactory;
let set: SignerSet;

beforeAll(async () => {
  globalThis.crypto ??= webcrypto as typeof globalThis.crypto;
  factory = await AttestationFactory.create();
  set = await factory.signerSet(2, [1, 2, 3]);
});

function message(overrides: Partial<SignedSnapshot['message']> = {}): SignedSnapshot['message'] {
  return {
    setId: set.setId,
    epoch: 4,
    prevCommitment: 'ab'.repeat(32),
    commitment: '12'.repeat(32),
    asOf: 1_760_000_000,
    currency: 'CNY',
    decimals: 2,
    fxTableHash: '987654321',
    allocations: ZERO_BYTES32,
    chunks: 0,
    ...overrides,
  };
}

/** Signed by the keys of these seeds (members of `set` or not). */
async function signed(seeds: number[], m = message()): Promise<SignedSnapshot> {
  return {
    message: m,
    signerSet: setMembership(set),
    signatures: await factory.cosign(set, m, seeds),
  };
}

/** Both checks' answers: the result, or the error code they throw. */
async function both(s: SignedSnapshot): Promise<[unknown, unknown]> {
  const server = (() => {
    try {
      return checkSignatures(s);
    } catch (err) {
      return (err as { code?: string }).code;
    }
  })();
  const browser = await checkSignaturesInBrowser(s).catch((err: { code?: string }) => err.code);
  return [server, browser];
}

describe('the browser twin of checkSignatures', () => {
  it('agrees on valid and invalid signer sets, reason for reason', async () => {
    const twoOfThree = await signed([1, 3]);
    const cases: Record<string, SignedSnapshot> = {
      twoOfThree,
      threeOfThree: await signed([1, 2, 3]),
      tooFew: await signed([2]),
      duplicate: {
        ...twoOfThree,
        signatures: [...twoOfThree.signatures, twoOfThree.signatures[0]!],
      },
      outsider: await signed([1, 9]),
      edited: {
        ...twoOfThree,
        message: { ...twoOfThree.message, asOf: twoOfThree.message.asOf + 1 },
      },
      otherSet: { ...twoOfThree, signerSet: { ...twoOfThree.signerSet, threshold: 1 } },
      wrongKeyId: {
        ...twoOfThree,
        signatures: [
          { ...twoOfThree.signatures[0]!, publicKey: twoOfThree.signatures[1]!.publicKey },
          twoOfThree.signatures[1]!,
        ],
      },
    };
    for (const [name, s] of Object.entries(cases)) {
      const [server, browser] = await both(s);
      expect({ name, browser }).toEqual({ name, browser: server });
    }
    const expected: Record<string, string[]> = {
      twoOfThree: [],
      threeOfThree: [],
      tooFew: ['THRESHOLD_NOT_MET'],
      duplicate: ['SIGNER_DUPLICATE'],
      outsider: ['SIGNER_NOT_IN_SET', 'THRESHOLD_NOT_MET'],
      edited: ['SIGNATURE_INVALID', 'THRESHOLD_NOT_MET'],
      otherSet: ['SIGNER_SET_MISMATCH'],
      wrongKeyId: ['SIGNATURE_INVALID', 'THRESHOLD_NOT_MET'],
    };
    for (const [name, s] of Object.entries(cases)) {
      const { reasons } = await checkSignaturesInBrowser(s);
      expect({ name, reasons }).toEqual({ name, reasons: expected[name] });
    }
  });

  it('refuses the same malformed signatures and keys with the same codes', async () => {
    const good = await signed([1, 2]);
    const sig = good.signatures[0]!;
    const s = BigInt(`0x${sig.signature.slice(64)}`);
    const highS = sig.signature.slice(0, 64) + (P256_ORDER - s).toString(16).padStart(64, '0');
    const variants = [
      { ...sig, signature: highS },
      { ...sig, signature: '00'.repeat(64) },
      { ...sig, signature: sig.signature.toUpperCase() },
      { ...sig, publicKey: { x: sig.publicKey.x, y: '01'.repeat(32) } },
    ];
    for (const bad of variants) {
      const [server, browser] = await both({ ...good, signatures: [bad, good.signatures[1]!] });
      expect(typeof server).toBe('string');
      expect(browser).toBe(server);
    }
  });
});
