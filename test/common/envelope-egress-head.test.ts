import { GENESIS_HEAD_HASH, parseEgressHead } from '../../src/common/egress-head';
import {
  readEnvelopeHeader,
  signEnvelope,
  verifyEnvelope,
} from '../../src/common/transport-envelope';
import { generateTransportKey } from '../../src/common/transport-key';

// The optional `egressHead` member of the envelope's protected header: signed with the rest,
// strictly formatted, and never a way to add other members.

const b64 = (text: string) => Buffer.from(text).toString('base64url');
/** A structurally valid envelope with `header` (the signature is not checked by the reader). */
const withHeader = (header: string) =>
  `${b64(header)}.${b64('{"a":1}')}.${Buffer.alloc(64).toString('base64url')}`;
const HASH = 'c3'.repeat(32);

describe('the egress head in the envelope header', () => {
  it('is signed with the header: read back, verified, and tampering breaks the signature', async () => {
    const { privateJwk, publicJwk } = await generateTransportKey('ES256');
    const head = { seq: 12, hash: HASH };
    const jws = await signEnvelope(Buffer.from('{"a":1}'), {
      alg: 'ES256',
      privateJwk,
      kid: 'bank',
      egressHead: head,
    });
    expect(readEnvelopeHeader(jws)).toEqual({ alg: 'ES256', kid: 'bank', egressHead: head });
    await expect(verifyEnvelope(jws, publicJwk, 'ES256')).resolves.toBeInstanceOf(Uint8Array);
    const [h, p, s] = jws.split('.');
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, string>;
    const moved = b64(JSON.stringify({ ...header, egressHead: `11:${HASH}` }));
    await expect(verifyEnvelope(`${moved}.${p}.${s}`, publicJwk, 'ES256')).rejects.toMatchObject({
      code: 'ENVELOPE_SIGNATURE_INVALID',
    });
    // Without a head the header is the three members as before.
    const plain = await signEnvelope(Buffer.from('{"a":1}'), {
      alg: 'ES256',
      privateJwk,
      kid: 'bk',
    });
    expect(readEnvelopeHeader(plain)).toEqual({ alg: 'ES256', kid: 'bk' });
  });

  it('refuses malformed heads, duplicates and any other extra member', () => {
    const base = '"alg":"ES256","kid":"bank","typ":"zkattest-package+jws"';
    expect(readEnvelopeHeader(withHeader(`{${base},"egressHead":"3:${HASH}"}`)).egressHead).toEqual(
      {
        seq: 3,
        hash: HASH,
      },
    );
    for (const bad of [
      `{${base},"egressHead":"03:${HASH}"}`,
      `{${base},"egressHead":"3:${HASH.toUpperCase()}"}`,
      `{${base},"egressHead":"0:${HASH}"}`,
      `{${base},"egressHead":"-1:${HASH}"}`,
      `{${base},"egressHead":3}`,
      `{${base},"egressHead":"3:${HASH}","egressHead":"4:${HASH}"}`,
      `{${base},"egressHead":"3:${HASH}","x":"y"}`,
      `{${base},"x":"3:${HASH}"}`,
    ]) {
      expect(() => readEnvelopeHeader(withHeader(bad))).toThrow(
        expect.objectContaining({ code: 'ENVELOPE_INVALID' }),
      );
    }
    expect(parseEgressHead(`0:${GENESIS_HEAD_HASH}`)).toEqual({ seq: 0, hash: GENESIS_HEAD_HASH });
  });
});
