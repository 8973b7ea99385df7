import * as nodeCrypto from 'node:crypto';
import request from 'supertest';
import {
  checkSignatures,
  precheckSignatures,
  signedSnapshotOf,
} from '../../src/common/signed-snapshot';
import type { AttestationPackage } from '../../src/common/attestation-package';
import type { AttestationFactory, Institution } from '../support/attestation-factory';
import { challengeNonce, registerTwoOfThree, startApi, type ApiUnderTest } from './api-harness';
import { AttestationFactory as Factory, newInstitution } from '../support/attestation-factory';

// The signature checks of a submission (the envelope's and the snapshot's P-256 ones) run on
// libuv's thread pool, not on the event loop that serves every other request: node:crypto's
// synchronous verify is never called on the way.

let api: ApiUnderTest;
let factory: AttestationFactory;
let bank: Institution;
let set: Awaited<ReturnType<typeof registerTwoOfThree>>;
// node:crypto's exports cannot be redefined: every module of this test gets a spying copy.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, verify: jest.fn(actual.verify) };
});
const verify = nodeCrypto.verify as unknown as jest.Mock;

/** node:crypto verify calls made without a callback (on the calling thread). */
const synchronousVerifies = () =>
  verify.mock.calls.filter((args: unknown[]) => typeof args[4] !== 'function').length;

beforeAll(async () => {
  [api, factory, bank] = await Promise.all([
    startApi(),
    Factory.create(),
    newInstitution('onshore-bank', 'ES256'),
  ]);
  set = await registerTwoOfThree(api, bank, factory);
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => verify.mockClear());

const twoOfThree = async (): Promise<AttestationPackage> =>
  factory.package({ context: await challengeNonce(api.app), set, signWith: [1, 2] });

describe('signature checks off the event loop', () => {
  it('a recorded submission calls no synchronous signature check', async () => {
    const envelope = await bank.seal(await twoOfThree());
    verify.mockClear(); // signing may check its own signatures
    const res = await request(api.app).post('/v1/attestations').send({ envelope });
    expect(res.status).toBe(201);
    expect(res.body.attestation.signers).toHaveLength(2);
    expect(verify).toHaveBeenCalled(); // the checks ran, on the pool
    expect(synchronousVerifies()).toBe(0);
  });

  it('checkSignatures after precheckSignatures: the same answers, none computed again', async () => {
    const good = signedSnapshotOf(await twoOfThree());
    const [first, second] = good.signatures;
    // The second signature with one digit of r changed.
    const r = second!.signature;
    const changed = `${r.slice(0, 10)}${r[10] === '0' ? '1' : '0'}${r.slice(11)}`;
    const bad = { ...good, signatures: [first!, { ...second!, signature: changed }] };
    const expected = [checkSignatures(good), checkSignatures(bad)];
    expect(expected.map((c) => c.reasons)).toEqual([
      [],
      ['SIGNATURE_INVALID', 'THRESHOLD_NOT_MET'],
    ]);
    verify.mockClear();
    await Promise.all([precheckSignatures(good), precheckSignatures(bad)]);
    const pooled = verify.mock.calls.length;
    expect([checkSignatures(good), checkSignatures(bad)]).toEqual(expected);
    expect(verify.mock.calls.length).toBe(pooled);
    expect(synchronousVerifies()).toBe(0);
  });

  it('a malformed signature is still refused by checkSignatures, not by the precheck', async () => {
    const good = signedSnapshotOf(await twoOfThree());
    const malformed = { ...good, signatures: [{ ...good.signatures[0]!, signature: 'zz' }] };
    await expect(precheckSignatures(malformed)).resolves.toBeUndefined();
    expect(() => checkSignatures(malformed)).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_MALFORMED' }),
    );
  });
});
