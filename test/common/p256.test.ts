import { createPublicKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat, sha256 } from 'ethers';
import { ZkAttestError, type ErrorCode } from '../../src/common/errors';
import { statusOf } from '../../src/common/http-errors';
import {
  decodeSignature,
  keyIdOf,
  normaliseLowS,
  P256_ORDER,
  parsePublicKey,
  verifySignature,
  type P256PublicKey,
} from '../../src/common/p256';
import {
  importJwk,
  importPkcs8,
  importPrivateKey,
  newSignerKey,
  readSignerKeyFile,
  signerFromKeyFile,
  webCryptoSigner,
  writeSignerKeyFile,
  type JsonWebKey,
} from '../../src/common/p256-signer';
import { rejectionOf } from '../support/zk-error';

const MESSAGE = new TextEncoder().encode('zkattest snapshot message');
const hex64 = (n: bigint) => n.toString(16).padStart(64, '0');

function errorOf(work: () => unknown): ZkAttestError {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(ZkAttestError);
    return err as ZkAttestError;
  }
  throw new Error('expected a ZkAttestError');
}

/** Node's own ECDSA verification (IEEE P1363 r || s), independent of p256.ts. */
function nodeVerifies(publicKey: P256PublicKey, message: Uint8Array, signature: string): boolean {
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: Buffer.from(publicKey.x, 'hex').toString('base64url'),
      y: Buffer.from(publicKey.y, 'hex').toString('base64url'),
    },
    format: 'jwk',
  });
  return nodeVerify(
    'sha256',
    message,
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'hex'),
  );
}

function nodeKeyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

describe('P-256 signatures', () => {
  it('a WebCrypto signature verifies with p256.ts and with node, low-s every time', async () => {
    const key = await newSignerKey();
    const signer = await webCryptoSigner(key);
    expect(signer.keyId).toBe(key.keyId);
    for (let i = 0; i < 16; i++) {
      const message = new TextEncoder().encode(`message ${i}`);
      const signature = await signer.sign(message);
      expect(signature).toMatch(/^[0-9a-f]{128}$/);
      expect(BigInt(`0x${signature.slice(64)}`) <= P256_ORDER / 2n).toBe(true);
      expect(verifySignature(signer.publicKey, message, signature)).toBe(true);
      expect(nodeVerifies(signer.publicKey, message, signature)).toBe(true);
      expect(verifySignature(signer.publicKey, MESSAGE, signature)).toBe(false);
    }
    const other = await newSignerKey();
    expect(verifySignature(other.publicKey, MESSAGE, await signer.sign(MESSAGE))).toBe(false);
  });

  it('refuses the high-s twin of a valid signature, and normalises it back', async () => {
    const signer = await webCryptoSigner(await newSignerKey());
    const signature = await signer.sign(MESSAGE);
    const s = BigInt(`0x${signature.slice(64)}`);
    const twin = signature.slice(0, 64) + hex64(P256_ORDER - s);
    // The twin is a valid ECDSA signature to a lax verifier (node)...
    expect(nodeVerifies(signer.publicKey, MESSAGE, twin)).toBe(true);
    // ...and malformed to zkattest.
    expect(errorOf(() => verifySignature(signer.publicKey, MESSAGE, twin)).code).toBe(
      'SIGNATURE_MALFORMED',
    );
    expect(normaliseLowS(twin)).toBe(signature);
    expect(normaliseLowS(signature)).toBe(signature);
  });

  const R = hex64(12345n);
  it.each<[string, string]>([
    ['r = 0', hex64(0n) + R],
    ['s = 0', R + hex64(0n)],
    ['r = n', hex64(P256_ORDER) + R],
    ['s = n', R + hex64(P256_ORDER)],
    ['s = n - 1 (high)', R + hex64(P256_ORDER - 1n)],
    ['s = n/2 + 1 (high)', R + hex64(P256_ORDER / 2n + 1n)],
    ['126 digits', (R + R).slice(2)],
    ['130 digits', `${R}${R}00`],
    ['non-hex', `${R}${R.slice(1)}g`],
    ['uppercase', `${R}${hex64(0xabcn).toUpperCase()}`],
    ['0x prefix', `0x${R}${R.slice(2)}`],
  ])('refuses %s with SIGNATURE_MALFORMED', async (_, signature) => {
    const { publicKey } = await newSignerKey();
    expect(errorOf(() => verifySignature(publicKey, MESSAGE, signature)).code).toBe(
      'SIGNATURE_MALFORMED',
    );
  });

  it('accepts s = n/2, the largest low s', () => {
    expect(decodeSignature(R + hex64(P256_ORDER / 2n)).s).toBe(P256_ORDER / 2n);
  });
});

describe('P-256 public keys', () => {
  it('keyId is sha256(x || y)', async () => {
    const { publicKey, keyId } = await newSignerKey();
    expect(keyId).toBe(sha256(concat([`0x${publicKey.x}`, `0x${publicKey.y}`])).slice(2));
    expect(keyIdOf(publicKey)).toBe(keyId);
  });

  it('refuses off-curve and non-canonical keys with KEY_MALFORMED', async () => {
    const { publicKey } = await newSignerKey();
    const yPlus1 = hex64((BigInt(`0x${publicKey.y}`) + 1n) % (1n << 256n));
    const signature = await (await webCryptoSigner(await newSignerKey())).sign(MESSAGE);
    for (const bad of [
      { x: publicKey.x, y: yPlus1 },
      { x: publicKey.x.toUpperCase(), y: publicKey.y },
      { x: `0x${publicKey.x}`, y: publicKey.y },
      { ...publicKey, kid: 'k' },
      { x: publicKey.x },
      { x: hex64(0n), y: hex64(0n) },
    ]) {
      expect(errorOf(() => parsePublicKey(bad)).code).toBe('KEY_MALFORMED');
      expect(errorOf(() => verifySignature(bad as P256PublicKey, MESSAGE, signature)).code).toBe(
        'KEY_MALFORMED',
      );
    }
  });
});

describe('signer keys', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'zkattest-p256-'));
  });

  it('imports PKCS#8 PEM and DER: same key as node has, and its signatures verify', async () => {
    const { privateKey, publicKey } = nodeKeyPair();
    const jwk = publicKey.export({ format: 'jwk' });
    const expected = {
      x: Buffer.from(jwk.x!, 'base64url').toString('hex'),
      y: Buffer.from(jwk.y!, 'base64url').toString('hex'),
    };
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    for (const key of [await importPkcs8(pem), await importPkcs8(new Uint8Array(der))]) {
      expect(key.publicKey).toEqual(expected);
      const signature = await (await webCryptoSigner(key)).sign(MESSAGE);
      expect(
        nodeVerify(
          'sha256',
          MESSAGE,
          { key: publicKey, dsaEncoding: 'ieee-p1363' },
          Buffer.from(signature, 'hex'),
        ),
      ).toBe(true);
    }
    const auto = await Promise.all(
      [
        Buffer.from(pem),
        der,
        Buffer.from(JSON.stringify(privateKey.export({ format: 'jwk' }))),
      ].map((bytes) => importPrivateKey(new Uint8Array(bytes))),
    );
    expect(auto.map((k) => k.publicKey)).toEqual([expected, expected, expected]);
  });

  it('imports a JWK round trip; refuses a public-only, mismatched or foreign JWK', async () => {
    const { privateKey } = nodeKeyPair();
    const jwk = privateKey.export({ format: 'jwk' }) as JsonWebKey;
    const key = await importJwk(JSON.stringify({ ...jwk, kid: 'custodian-1', alg: 'ES256' }));
    expect(key.jwk).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d });
    expect(await importJwk(key.jwk)).toEqual(key);

    const other = nodeKeyPair().privateKey.export({ format: 'jwk' }) as JsonWebKey;
    const { d: _d, ...publicOnly } = jwk;
    for (const bad of [
      publicOnly,
      { ...jwk, d: other.d }, // d of another key
      { ...jwk, alg: 'ES384' },
      { ...jwk, crv: 'P-384' },
      { ...jwk, d: Buffer.alloc(32).toString('base64url') },
      'not json',
      [jwk],
    ]) {
      const err = await rejectionOf(importJwk(bad as JsonWebKey));
      expect(err.code).toBe('KEY_MALFORMED');
    }
    expect((await rejectionOf(importJwk(publicOnly))).message).toContain('public key');
  });

  it('refuses a SEC 1 PEM, an encrypted one and garbage DER with KEY_MALFORMED', async () => {
    const { privateKey } = nodeKeyPair();
    const sec1 = privateKey.export({ format: 'pem', type: 'sec1' }) as string;
    const encrypted = privateKey.export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: 'p',
    }) as string;
    for (const bad of [sec1, encrypted]) {
      expect((await rejectionOf(importPkcs8(bad))).code).toBe('KEY_MALFORMED');
    }
    expect((await rejectionOf(importPrivateKey(new Uint8Array([1, 2, 3])))).code).toBe(
      'KEY_MALFORMED',
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const rsaPem = rsa.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect((await rejectionOf(importPkcs8(rsaPem))).code).toBe('KEY_MALFORMED');
  });

  it('writes a 0600 key file, reads it back as the same signer, never overwrites', async () => {
    const key = await newSignerKey();
    const file = join(dir, 'signer.key.json');
    writeSignerKeyFile(file, key, 'treasury');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await readSignerKeyFile(file)).toEqual({ key, label: 'treasury' });
    const signer = await signerFromKeyFile(file);
    expect(signer.keyId).toBe(key.keyId);
    expect(verifySignature(key.publicKey, MESSAGE, await signer.sign(MESSAGE))).toBe(true);
    expect(errorOf(() => writeSignerKeyFile(file, key)).code).toBe('KEY_FILE');
  });

  it('says KEY_FILE for a file that is not a signer key file, KEY_MALFORMED for a bad JWK', async () => {
    const notOurs = join(dir, 'other.json');
    writeFileSync(notOurs, JSON.stringify({ type: 'zkattest.attestor-key/v1', jwk: {} }));
    expect((await rejectionOf(signerFromKeyFile(notOurs))).code).toBe('KEY_FILE');
    expect((await rejectionOf(signerFromKeyFile(join(dir, 'missing.json')))).code).toBe('KEY_FILE');
    const badJwk = join(dir, 'bad-jwk.json');
    writeFileSync(badJwk, JSON.stringify({ type: 'zkattest.signer-key/v2', jwk: { kty: 'EC' } }));
    expect((await rejectionOf(signerFromKeyFile(badJwk))).code).toBe('KEY_MALFORMED');
  });
});

it('answers the v2 key, signature and FX error codes with 400', () => {
  const codes: ErrorCode[] = [
    'KEY_MALFORMED',
    'SIGNATURE_MALFORMED',
    'FX_TABLE_INVALID',
    'FX_RATE_INVALID',
    'FX_CURRENCY_MISSING',
    'CURRENCY_UNKNOWN',
    'DECIMALS_OUT_OF_RANGE',
  ];
  expect(codes.map(statusOf)).toEqual(codes.map(() => 400));
});
