import {
  generateTransportKey,
  verifyTransportSignature,
  signWithTransportKey,
  splitPrivateJwk,
  type TransportAlg,
} from '../../src/common/transport-key';

// The API checks every envelope's signature; on the event loop that serves requests it would
// stall them all. verifyTransportSignature hands the check to libuv's thread pool: while many
// checks run, the event loop keeps turning instead of computing.

describe.each<TransportAlg>(['ES256', 'EdDSA'])('%s envelope signatures', (alg) => {
  let publicJwk: Awaited<ReturnType<typeof generateTransportKey>>['publicJwk'];
  let signature: Uint8Array;
  const data = Buffer.from('header.payload', 'ascii');

  beforeAll(async () => {
    const pair = await generateTransportKey(alg);
    publicJwk = pair.publicJwk;
    const { d } = splitPrivateJwk(pair.privateJwk, alg);
    signature = await signWithTransportKey(alg, publicJwk, d, data);
  });

  it('answers as before: valid, another message, a flipped signature bit', async () => {
    expect(await verifyTransportSignature(alg, publicJwk, signature, data)).toBe(true);
    const other = Buffer.from('header.payloaD', 'ascii');
    expect(await verifyTransportSignature(alg, publicJwk, signature, other)).toBe(false);
    const flipped = Uint8Array.from(signature);
    flipped[10]! ^= 1;
    expect(await verifyTransportSignature(alg, publicJwk, flipped, data)).toBe(false);
    expect(await verifyTransportSignature(alg, publicJwk, new Uint8Array(64), data)).toBe(false);
  });

  it('refuses a key of the other algorithm (ENVELOPE_INVALID), never checks with it', async () => {
    const other = await generateTransportKey(alg === 'ES256' ? 'EdDSA' : 'ES256');
    await expect(
      verifyTransportSignature(alg, other.publicJwk, signature, data),
    ).rejects.toMatchObject({ code: 'ENVELOPE_INVALID' });
  });

  it('checks off the event loop: the loop keeps turning while 400 checks run', async () => {
    const checks = () =>
      Promise.all(
        Array.from({ length: 400 }, () =>
          verifyTransportSignature(alg, publicJwk, signature, data),
        ),
      );
    await checks(); // the key imported, the code compiled
    // Count the event loop's turns while the checks are pending. Checked on the loop itself
    // (WebCrypto in JS, node:crypto's synchronous form), all 400 run before the loop turns once:
    // 0 (their answers resolve in microtasks before the loop's first check phase). On libuv's
    // thread pool the loop turns at least once before they come back (a pending immediate keeps
    // its first poll from blocking). Counting turns, not utilisation, holds on a busy machine.
    let turns = 0;
    let done = false;
    const tick = () => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const answers = await checks();
    done = true;
    expect(answers.every(Boolean)).toBe(true);
    expect(turns).toBeGreaterThanOrEqual(1);
  });
});
