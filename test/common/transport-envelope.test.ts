import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519';
import { ZkAttestError, type ErrorCode } from '../../src/common/errors';
import {
  ENVELOPE_TYP,
  MAX_ENVELOPE_PAYLOAD_BYTES,
  readEnvelopeHeader,
  signEnvelope,
  verifyEnvelope,
} from '../../src/common/transport-envelope';
import {
  generateTransportKey,
  jwkThumbprint,
  validateTransportPublicJwk,
  type JsonWebKey,
  type TransportAlg,
} from '../../src/common/transport-key';

type KeyPair = { privateJwk: JsonWebKey; publicJwk: JsonWebKey };

const ALGS: TransportAlg[] = ['ES256', 'EdDSA'];
const KID = 'inst-001';
const PAYLOAD = new TextEncoder().encode('{"type":"zkattest.attestation/v1"}');

const b64 = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');
const b64json = (value: unknown): string => b64(JSON.stringify(value));
const unb64 = (segment: string): Buffer => Buffer.from(segment, 'base64url');

function flipByte(segment: string, index = 0): string {
  const bytes = unb64(segment);
  bytes[index] ^= 0x01;
  return b64(bytes);
}

/** The code of the ZkAttestError `run` throws or rejects with. */
async function codeOf(run: () => unknown): Promise<ErrorCode> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ZkAttestError);
    return (error as ZkAttestError).code;
  }
  throw new Error('expected a ZkAttestError, nothing was thrown');
}

/** Little-endian 32-byte encoding of an Ed25519 y coordinate, as a JWK x member. */
function edEncoding(y: bigint): string {
  const bytes = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number((y >> BigInt(8 * i)) & 0xffn);
  return b64(bytes);
}

const keys = {} as Record<TransportAlg, KeyPair>;
const otherKeys = {} as Record<TransportAlg, KeyPair>;

beforeAll(async () => {
  for (const alg of ALGS) {
    keys[alg] = await generateTransportKey(alg);
    otherKeys[alg] = await generateTransportKey(alg);
  }
});

describe('generateTransportKey', () => {
  it('makes an ES256 P-256 pair whose public JWK has no private member', () => {
    const { privateJwk, publicJwk } = keys.ES256;
    expect(Object.keys(publicJwk).sort()).toEqual(['alg', 'crv', 'kty', 'x', 'y']);
    expect(publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(privateJwk).toMatchObject({ ...publicJwk, d: expect.any(String) });
  });

  it('makes an EdDSA Ed25519 pair whose public JWK has no private member', () => {
    const { privateJwk, publicJwk } = keys.EdDSA;
    expect(Object.keys(publicJwk).sort()).toEqual(['alg', 'crv', 'kty', 'x']);
    expect(publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(privateJwk).toMatchObject({ ...publicJwk, d: expect.any(String) });
  });
});

describe.each(ALGS)('%s envelope', (alg) => {
  let jws: string;

  beforeAll(async () => {
    jws = await signEnvelope(PAYLOAD, { alg, privateJwk: keys[alg].privateJwk, kid: KID });
  });

  it('round-trips the payload', async () => {
    expect(jws).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(readEnvelopeHeader(jws)).toEqual({ alg, kid: KID });
    const payload = await verifyEnvelope(jws, keys[alg].publicJwk, alg);
    expect(Buffer.from(payload).equals(Buffer.from(PAYLOAD))).toBe(true);
  });

  it('writes the protected header { alg, kid, typ }', () => {
    const header = JSON.parse(unb64(jws.split('.')[0]).toString('utf8'));
    expect(header).toEqual({ alg, kid: KID, typ: ENVELOPE_TYP });
  });

  it('refuses a tampered payload', async () => {
    const [h, , s] = jws.split('.');
    const tampered = `${h}.${b64('{"type":"something else"}')}.${s}`;
    expect(await codeOf(() => verifyEnvelope(tampered, keys[alg].publicJwk, alg))).toBe(
      'ENVELOPE_SIGNATURE_INVALID',
    );
  });

  it('refuses a tampered (still well-formed) header', async () => {
    const [, p, s] = jws.split('.');
    const header = b64json({ alg, kid: 'inst-002', typ: ENVELOPE_TYP });
    expect(readEnvelopeHeader(`${header}.${p}.${s}`).kid).toBe('inst-002');
    expect(
      await codeOf(() => verifyEnvelope(`${header}.${p}.${s}`, keys[alg].publicJwk, alg)),
    ).toBe('ENVELOPE_SIGNATURE_INVALID');
  });

  it('refuses a tampered signature', async () => {
    const [h, p, s] = jws.split('.');
    for (const index of [0, 31, 32, 63]) {
      const tampered = `${h}.${p}.${flipByte(s, index)}`;
      expect(await codeOf(() => verifyEnvelope(tampered, keys[alg].publicJwk, alg))).toBe(
        'ENVELOPE_SIGNATURE_INVALID',
      );
    }
  });

  it('refuses a signature by another key of the same alg', async () => {
    const forged = await signEnvelope(PAYLOAD, {
      alg,
      privateJwk: otherKeys[alg].privateJwk,
      kid: KID,
    });
    expect(readEnvelopeHeader(forged)).toEqual({ alg, kid: KID });
    expect(await codeOf(() => verifyEnvelope(forged, keys[alg].publicJwk, alg))).toBe(
      'ENVELOPE_SIGNATURE_INVALID',
    );
  });

  it('refuses a signature of the wrong length', async () => {
    const [h, p, s] = jws.split('.');
    for (const sig of [
      b64(unb64(s).subarray(0, 63)),
      b64(Buffer.concat([unb64(s), Buffer.from([0])])),
    ]) {
      expect(await codeOf(() => verifyEnvelope(`${h}.${p}.${sig}`, keys[alg].publicJwk, alg))).toBe(
        'ENVELOPE_INVALID',
      );
    }
  });

  it('refuses a private JWK in place of the registered public key', async () => {
    expect(await codeOf(() => verifyEnvelope(jws, keys[alg].privateJwk, alg))).toBe(
      'ENVELOPE_INVALID',
    );
  });

  it('verifies against the normalized registered key', async () => {
    const registered = validateTransportPublicJwk(keys[alg].publicJwk, alg);
    const payload = await verifyEnvelope(jws, registered, alg);
    expect(Buffer.from(payload).toString()).toBe(Buffer.from(PAYLOAD).toString());
  });
});

describe('algorithm pinning', () => {
  it('refuses an ES256 envelope checked against a registered EdDSA key', async () => {
    const jws = await signEnvelope(PAYLOAD, {
      alg: 'ES256',
      privateJwk: keys.ES256.privateJwk,
      kid: KID,
    });
    expect(await codeOf(() => verifyEnvelope(jws, keys.EdDSA.publicJwk, 'EdDSA'))).toBe(
      'ENVELOPE_INVALID',
    );
  });

  it('refuses an EdDSA envelope checked against a registered ES256 key', async () => {
    const jws = await signEnvelope(PAYLOAD, {
      alg: 'EdDSA',
      privateJwk: keys.EdDSA.privateJwk,
      kid: KID,
    });
    expect(await codeOf(() => verifyEnvelope(jws, keys.ES256.publicJwk, 'ES256'))).toBe(
      'ENVELOPE_INVALID',
    );
  });

  it('refuses a header alg rewritten to the registered one', async () => {
    const jws = await signEnvelope(PAYLOAD, {
      alg: 'EdDSA',
      privateJwk: keys.EdDSA.privateJwk,
      kid: KID,
    });
    const [, p, s] = jws.split('.');
    const header = b64json({ alg: 'ES256', kid: KID, typ: ENVELOPE_TYP });
    expect(
      await codeOf(() => verifyEnvelope(`${header}.${p}.${s}`, keys.ES256.publicJwk, 'ES256')),
    ).toBe('ENVELOPE_SIGNATURE_INVALID');
  });

  it("refuses a registered key whose type is not the registered alg's", async () => {
    const jws = await signEnvelope(PAYLOAD, {
      alg: 'ES256',
      privateJwk: keys.ES256.privateJwk,
      kid: KID,
    });
    expect(await codeOf(() => verifyEnvelope(jws, keys.ES256.publicJwk, 'EdDSA'))).toBe(
      'ENVELOPE_INVALID',
    );
    expect(await codeOf(() => verifyEnvelope(jws, keys.EdDSA.publicJwk, 'ES256'))).toBe(
      'ENVELOPE_INVALID',
    );
  });

  it('refuses an expected alg outside ES256 and EdDSA', async () => {
    const jws = await signEnvelope(PAYLOAD, {
      alg: 'ES256',
      privateJwk: keys.ES256.privateJwk,
      kid: KID,
    });
    const none = 'none' as TransportAlg;
    expect(await codeOf(() => verifyEnvelope(jws, keys.ES256.publicJwk, none))).toBe(
      'ENVELOPE_INVALID',
    );
  });
});

describe('readEnvelopeHeader strictness', () => {
  let jws: string;
  let h: string;
  let p: string;
  let s: string;

  beforeAll(async () => {
    jws = await signEnvelope(PAYLOAD, {
      alg: 'ES256',
      privateJwk: keys.ES256.privateJwk,
      kid: KID,
    });
    [h, p, s] = jws.split('.');
  });

  const invalid = (candidate: string): Promise<ErrorCode> =>
    codeOf(() => readEnvelopeHeader(candidate));
  const withHeader = (header: unknown): string =>
    `${typeof header === 'string' ? b64(header) : b64json(header)}.${p}.${s}`;

  it("refuses alg 'none', with or without a signature", async () => {
    const header = b64json({ alg: 'none', kid: KID, typ: ENVELOPE_TYP });
    expect(await invalid(`${header}.${p}.`)).toBe('ENVELOPE_INVALID');
    expect(await invalid(`${header}.${p}.${s}`)).toBe('ENVELOPE_INVALID');
    expect(
      await codeOf(() => verifyEnvelope(`${header}.${p}.`, keys.ES256.publicJwk, 'ES256')),
    ).toBe('ENVELOPE_INVALID');
  });

  it('refuses every other alg', async () => {
    for (const alg of ['HS256', 'RS256', 'ES384', 'Ed25519', 'es256', '', 7, null]) {
      expect(await invalid(withHeader({ alg, kid: KID, typ: ENVELOPE_TYP }))).toBe(
        'ENVELOPE_INVALID',
      );
    }
  });

  it('refuses missing or extra segments', async () => {
    for (const candidate of [
      '',
      h,
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${p}.${s}.`,
      `.${p}.${s}`,
      `${h}..${s}`,
      `${h}.${p}.`,
      '..',
    ]) {
      expect(await invalid(candidate)).toBe('ENVELOPE_INVALID');
    }
  });

  it('refuses padding, standard base64, whitespace and non-canonical encodings', async () => {
    const padded = `${h}.${p}.${s}==`;
    expect(s.length % 4).toBe(2);
    expect(p.length % 4).toBe(2);
    for (const candidate of [
      padded,
      `${h}=.${p}.${s}`,
      `${h}.${p}=.${s}`,
      `${h.replace(/-/g, '+').replace(/_/g, '/')}x+/.${p}.${s}`,
      ` ${jws}`,
      `${jws}\n`,
      `${h}.${p.slice(0, 10)} ${p.slice(10)}.${s}`,
      // p ends in a 2-character group; one more character makes a 3-character group whose
      // two unused bits are 01 for 'x': a second spelling of some byte string.
      `${h}.${p}x.${s}`,
    ]) {
      expect(await invalid(candidate)).toBe('ENVELOPE_INVALID');
    }
    // The last signature character carries unused bits: changing only those is refused too.
    const last = s[s.length - 1];
    const sibling = last === 'A' ? 'B' : String.fromCharCode(last.charCodeAt(0) + 1);
    expect(unb64(`${s.slice(0, -1)}${sibling}`).equals(unb64(s))).toBe(true);
    expect(await invalid(`${h}.${p}.${s.slice(0, -1)}${sibling}`)).toBe('ENVELOPE_INVALID');
  });

  it('refuses an extra header field, crit, or a missing field', async () => {
    for (const header of [
      { alg: 'ES256', kid: KID, typ: ENVELOPE_TYP, cty: 'json' },
      { alg: 'ES256', kid: KID, typ: ENVELOPE_TYP, crit: ['exp'], exp: 1 },
      { alg: 'ES256', kid: KID, typ: ENVELOPE_TYP, jwk: keys.ES256.publicJwk },
      { alg: 'ES256', kid: KID, typ: ENVELOPE_TYP, b64: false },
      { alg: 'ES256', kid: KID },
      { alg: 'ES256', typ: ENVELOPE_TYP },
      { kid: KID, typ: ENVELOPE_TYP },
    ]) {
      expect(await invalid(withHeader(header))).toBe('ENVELOPE_INVALID');
    }
  });

  it('refuses a wrong typ', async () => {
    for (const typ of ['JWT', 'JOSE', 'ZKATTEST-PACKAGE+JWS', `application/${ENVELOPE_TYP}`, 1]) {
      expect(await invalid(withHeader({ alg: 'ES256', kid: KID, typ }))).toBe('ENVELOPE_INVALID');
    }
  });

  it('refuses duplicate or escaped header members', async () => {
    for (const header of [
      `{"alg":"none","alg":"ES256","kid":"${KID}","typ":"${ENVELOPE_TYP}"}`,
      `{"alg":"ES256","kid":"other","kid":"${KID}","typ":"${ENVELOPE_TYP}"}`,
      `{"\\u0061lg":"ES256","kid":"${KID}","typ":"${ENVELOPE_TYP}"}`,
    ]) {
      expect(await invalid(withHeader(header))).toBe('ENVELOPE_INVALID');
    }
    // The same members in another order and spacing are fine.
    const reordered = ` { "typ" : "${ENVELOPE_TYP}", "kid": "${KID}", "alg": "ES256" } `;
    expect(readEnvelopeHeader(withHeader(reordered))).toEqual({ alg: 'ES256', kid: KID });
  });

  it('refuses a header that is not a UTF-8 JSON object', async () => {
    for (const header of ['[]', 'null', '"ES256"', '{', 'not json']) {
      expect(await invalid(withHeader(header))).toBe('ENVELOPE_INVALID');
    }
    const notUtf8 = b64(Buffer.from([0x7b, 0xff, 0x7d]));
    expect(await invalid(`${notUtf8}.${p}.${s}`)).toBe('ENVELOPE_INVALID');
  });

  it('refuses a bad kid', async () => {
    for (const kid of [
      '',
      'a'.repeat(64),
      'inst 001',
      'inst/001',
      'inst\n001',
      'ïnst',
      'Inst',
      42,
    ]) {
      expect(await invalid(withHeader({ alg: 'ES256', kid, typ: ENVELOPE_TYP }))).toBe(
        'ENVELOPE_INVALID',
      );
    }
    expect(
      readEnvelopeHeader(withHeader({ alg: 'ES256', kid: 'a'.repeat(63), typ: ENVELOPE_TYP })).kid,
    ).toBe('a'.repeat(63));
  });

  it('refuses oversized envelopes, headers and payloads', async () => {
    const bigPayload = b64(Buffer.alloc(MAX_ENVELOPE_PAYLOAD_BYTES + 1, 0x61));
    expect(await invalid(`${h}.${bigPayload}.${s}`)).toBe('ENVELOPE_INVALID');
    expect(await invalid(`${h}.${p}.${s}${'A'.repeat(200_000)}`)).toBe('ENVELOPE_INVALID');
    const bigHeader = b64json({ alg: 'ES256', kid: KID, typ: ENVELOPE_TYP, pad: 'x'.repeat(600) });
    expect(await invalid(`${bigHeader}.${p}.${s}`)).toBe('ENVELOPE_INVALID');
    // The largest payload allowed still round-trips.
    const max = new Uint8Array(MAX_ENVELOPE_PAYLOAD_BYTES).fill(0x62);
    const jwsMax = await signEnvelope(max, {
      alg: 'ES256',
      privateJwk: keys.ES256.privateJwk,
      kid: KID,
    });
    expect((await verifyEnvelope(jwsMax, keys.ES256.publicJwk, 'ES256')).length).toBe(max.length);
  });

  it('refuses a value that is not a string', async () => {
    for (const candidate of [undefined, null, 42, { jws }]) {
      expect(await invalid(candidate as unknown as string)).toBe('ENVELOPE_INVALID');
    }
  });
});

describe('signEnvelope', () => {
  it('refuses a bad kid, an empty payload and an oversized payload', async () => {
    const privateJwk = keys.EdDSA.privateJwk;
    for (const kid of ['', 'a'.repeat(129), 'inst 1', '"inst"']) {
      expect(await codeOf(() => signEnvelope(PAYLOAD, { alg: 'EdDSA', privateJwk, kid }))).toBe(
        'ENVELOPE_INVALID',
      );
    }
    expect(
      await codeOf(() => signEnvelope(new Uint8Array(0), { alg: 'EdDSA', privateJwk, kid: KID })),
    ).toBe('ENVELOPE_INVALID');
    const big = new Uint8Array(MAX_ENVELOPE_PAYLOAD_BYTES + 1);
    expect(await codeOf(() => signEnvelope(big, { alg: 'EdDSA', privateJwk, kid: KID }))).toBe(
      'ENVELOPE_INVALID',
    );
  });

  it('refuses a public key, a key of the other alg, or a private key with foreign public members', async () => {
    for (const alg of ALGS) {
      const other = alg === 'ES256' ? 'EdDSA' : 'ES256';
      const mismatched = { ...otherKeys[alg].publicJwk, d: keys[alg].privateJwk.d };
      for (const privateJwk of [keys[alg].publicJwk, keys[other].privateJwk, mismatched]) {
        expect(await codeOf(() => signEnvelope(PAYLOAD, { alg, privateJwk, kid: KID }))).toBe(
          'KEY_INVALID',
        );
      }
    }
  });

  it('accepts a private JWK with key_ops sign and no alg member', async () => {
    const { alg: _alg, ...bare } = keys.ES256.privateJwk;
    const privateJwk = { ...bare, key_ops: ['sign'], ext: true };
    const jws = await signEnvelope(PAYLOAD, { alg: 'ES256', privateJwk, kid: KID });
    await expect(verifyEnvelope(jws, keys.ES256.publicJwk, 'ES256')).resolves.toBeInstanceOf(
      Uint8Array,
    );
  });
});

describe('validateTransportPublicJwk', () => {
  it('normalizes to kty, crv, x (and y) only', () => {
    const es = keys.ES256.publicJwk;
    const extra = { ...es, kid: 'k', use: 'sig', key_ops: ['verify'], ext: true };
    expect(validateTransportPublicJwk(extra, 'ES256')).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: es.x,
      y: es.y,
    });
    const ed = keys.EdDSA.publicJwk;
    expect(validateTransportPublicJwk(ed, 'EdDSA')).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: ed.x,
    });
  });

  it('refuses private keys rather than stripping them', async () => {
    for (const alg of ALGS) {
      expect(await codeOf(() => validateTransportPublicJwk(keys[alg].privateJwk, alg))).toBe(
        'ENVELOPE_INVALID',
      );
      for (const member of ['d', 'p', 'k']) {
        const jwk = { ...keys[alg].publicJwk, [member]: 'AAAA' };
        expect(await codeOf(() => validateTransportPublicJwk(jwk, alg))).toBe('ENVELOPE_INVALID');
      }
    }
  });

  it('refuses the wrong kty, crv or alg for the registered alg', async () => {
    const es = keys.ES256.publicJwk;
    const ed = keys.EdDSA.publicJwk;
    for (const [jwk, alg] of [
      [ed, 'ES256'],
      [es, 'EdDSA'],
      [{ ...es, crv: 'P-384' }, 'ES256'],
      [{ ...es, kty: 'OKP' }, 'ES256'],
      [{ ...ed, crv: 'X25519' }, 'EdDSA'],
      [{ ...ed, crv: 'Ed448' }, 'EdDSA'],
      [{ ...es, alg: 'ES384' }, 'ES256'],
      [{ ...ed, alg: 'ES256' }, 'EdDSA'],
      [{ ...es, use: 'enc' }, 'ES256'],
      [{ ...es, key_ops: ['sign'] }, 'ES256'],
      [{ ...ed, y: es.y }, 'EdDSA'],
      [{ kty: 'oct', k: 'c2VjcmV0' }, 'ES256'],
      [es, 'HS256'],
    ] as [JsonWebKey, TransportAlg][]) {
      expect(await codeOf(() => validateTransportPublicJwk(jwk, alg))).toBe('ENVELOPE_INVALID');
    }
  });

  it('refuses malformed coordinates', async () => {
    const es = keys.ES256.publicJwk;
    const ed = keys.EdDSA.publicJwk;
    for (const [jwk, alg] of [
      [{ ...es, x: undefined }, 'ES256'],
      [{ ...es, y: `${es.y}=` }, 'ES256'],
      [{ ...es, x: b64(Buffer.alloc(31, 1)) }, 'ES256'],
      [{ ...ed, x: b64(Buffer.alloc(33, 1)) }, 'EdDSA'],
      [{ ...ed, x: 42 }, 'EdDSA'],
      [null, 'EdDSA'],
      [[ed], 'EdDSA'],
    ] as [JsonWebKey, TransportAlg][]) {
      expect(await codeOf(() => validateTransportPublicJwk(jwk, alg))).toBe('ENVELOPE_INVALID');
    }
  });

  it('refuses a P-256 point off the curve', async () => {
    const es = keys.ES256.publicJwk;
    const offCurve = { ...es, y: flipByte(es.y as string, 31) };
    expect(await codeOf(() => validateTransportPublicJwk(offCurve, 'ES256'))).toBe(
      'ENVELOPE_INVALID',
    );
    const jws = await signEnvelope(PAYLOAD, {
      alg: 'ES256',
      privateJwk: keys.ES256.privateJwk,
      kid: KID,
    });
    expect(await codeOf(() => verifyEnvelope(jws, offCurve, 'ES256'))).toBe('ENVELOPE_INVALID');
  });

  it('refuses undecodable, non-canonical and small-order Ed25519 points', async () => {
    const p = 2n ** 255n - 19n;
    // 2: no x; p: non-canonical y; 1: identity; 0: order 4; p - 1: order 2.
    for (const y of [2n, p, 1n, 0n, p - 1n]) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: edEncoding(y) };
      expect(await codeOf(() => validateTransportPublicJwk(jwk, 'EdDSA'))).toBe('ENVELOPE_INVALID');
    }
  });

  it('refuses an Ed25519 key with a torsion component (a real key plus a small-order point)', async () => {
    const key = ed25519.ExtendedPoint.fromHex(unb64(keys.EdDSA.publicJwk.x as string));
    for (const torsion of ED25519_TORSION_SUBGROUP.slice(1)) {
      const mixed = key.add(ed25519.ExtendedPoint.fromHex(torsion)).toRawBytes();
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: b64(mixed) };
      expect(await codeOf(() => validateTransportPublicJwk(jwk, 'EdDSA'))).toBe('ENVELOPE_INVALID');
    }
  });

  it('accepts freshly generated keys', async () => {
    for (let i = 0; i < 10; i++) {
      for (const alg of ALGS) {
        const { publicJwk } = await generateTransportKey(alg);
        expect(() => validateTransportPublicJwk(publicJwk, alg)).not.toThrow();
      }
    }
  });
});

describe('jwkThumbprint', () => {
  it('matches the RFC 8037 appendix A.3 Ed25519 example', async () => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
    expect(await jwkThumbprint(jwk)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('ignores non-required members and member order, and equals for private and public halves', async () => {
    for (const alg of ALGS) {
      const { privateJwk, publicJwk } = keys[alg];
      const thumbprint = await jwkThumbprint(publicJwk);
      expect(thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await jwkThumbprint(privateJwk)).toBe(thumbprint);
      const reordered = Object.fromEntries([['kid', 'x'], ...Object.entries(publicJwk).reverse()]);
      expect(await jwkThumbprint(reordered as JsonWebKey)).toBe(thumbprint);
      expect(await jwkThumbprint(otherKeys[alg].publicJwk)).not.toBe(thumbprint);
    }
  });

  it('refuses other key types and missing members', async () => {
    expect(await codeOf(() => jwkThumbprint({ kty: 'oct', k: 'c2VjcmV0' }))).toBe(
      'ENVELOPE_INVALID',
    );
    expect(await codeOf(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'AA' }))).toBe(
      'ENVELOPE_INVALID',
    );
  });
});
