import { join } from 'node:path';
import request from 'supertest';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { fxMessage, fxTableHashWith, type FxTable } from '../../src/common/fx-table';
import { createLogger } from '../../src/common/logger';
import { P256_ORDER } from '../../src/common/p256';
import type { Signer } from '../../src/common/p256-signer';
import type { SignedFxTable } from '../../src/common/signed-fx-table';
import { commitmentHex } from '../../src/common/signed-snapshot';
import { singleKeySetId, snapshotMessage } from '../../src/common/snapshot-message';
import { statementId } from '../../src/common/statement-id';
import { readConfig } from '../../src/api/config';
import { startServer, type RunningServer } from '../../src/entry-points/api-server';
import { ClaimProver, loadSnapshotFile, randomSalt, type Snapshot } from '../../src/prover';
import {
  AttestationFactory,
  newInstitution,
  type Institution,
} from '../support/attestation-factory';
import { offCurve } from '../support/p256-keys';
import { startRedis, type RedisServer } from '../support/redis-server';
import { CNY_HKD_USD, testSigner } from '../fixtures';
import {
  ADMIN_TOKEN,
  challengeNonce,
  registerInstitution,
  registerSignerSet,
  startApi,
  type ApiUnderTest,
} from './api-harness';

// Issue 9 at the offshore API, on a real redis-server: records and /v1/verify answers carry the
// unit, the amounts as people read them and who signed (registry labels, FX source and as-of);
// the investor's unit is enforced; and a package signed by a key or FX source the registry does
// not trust, or whose signatures or rate table do not match the proof, is refused and never
// recorded.

const DAY = 24 * 3600;
const NOW = Math.floor(Date.now() / 1000);
const AS_OF = NOW - 3600;
const FX_AS_OF = NOW - 600;
const LONG_AGO = new Date((NOW - 365 * DAY) * 1000).toISOString();
/** The sample snapshot's liabilities (examples/snapshot.json: "81180000.00", CNY 2). */
const LIABILITIES = 'CNY 81,180,000.00';

let api: ApiUnderTest;
let factory: AttestationFactory;
let prover: ClaimProver;
let sample: Snapshot;
let bank: Institution;
let custodian: Signer; // seed 1, the factory's default signer: 'Custodian A'
let custodianB: Signer; // seed 4: 'Custodian B', a signer set of its own
let revoked: Signer; // seed 3: revoked two hours ago
let fxSource: Signer; // seed 7: 'FX desk'
const packages: Record<string, AttestationPackage> = {};

const clone = (pkg: AttestationPackage) => JSON.parse(JSON.stringify(pkg)) as AttestationPackage;
const challenge = () => challengeNonce(api.app);
const submit = async (pkg: unknown, app: Parameters<typeof request>[0] = api.app) =>
  request(app)
    .post('/v1/attestations')
    .send({ envelope: await bank.seal(pkg) });
const reasonsOf = (res: request.Response): string[] => {
  expect([res.status, res.body.error?.code]).toEqual([422, 'ATTESTATION_REJECTED']);
  return String(res.body.error.details.reasons).split(',');
};

/** A rate table signed by `source` as of `asOf`. */
async function signedFx(source: Signer, asOf: number, table: FxTable = CNY_HKD_USD) {
  const hash = fxTableHashWith(factory.p.poseidon, table);
  const signature = await source.sign(fxMessage(hash, table.reporting, asOf));
  return {
    table,
    source: { keyId: source.keyId, publicKey: source.publicKey, asOf, signature },
  } satisfies SignedFxTable;
}

/**
 * The sample book with one position in USD and one in HKD, proved against a signed table. One
 * salt for all, so that proofs over the same table are claims on one snapshot: epoch 1 of
 * Custodian A's chain, after packages.one (epoch 0).
 */
const FX_BOOK_SALT = randomSalt();
async function threeCurrencies(opts: {
  context: bigint;
  fx: SignedFxTable;
  signer?: Signer;
}): Promise<AttestationPackage> {
  const currencies: Record<number, string> = { 1: 'USD', 2: 'HKD' };
  const positions = sample.positions.map((p, i) =>
    currencies[i] ? { ...p, currency: currencies[i] } : p,
  );
  const { package: pkg } = await prover.prove({
    snapshot: { ...sample, asOf: AS_OF, positions },
    salt: FX_BOOK_SALT,
    epoch: 1,
    prevCommitment: commitmentHex(packages.one!.publicSignals.commitment),
    signer: opts.signer ?? custodian,
    fx: opts.fx,
    params: { claim: 'coverage', minCoverageBps: 10000 },
    context: opts.context,
  });
  return pkg;
}

async function registerKey(
  target: Pick<ApiUnderTest, 'admin'>,
  path: 'signers' | 'fx-sources',
  key: Signer,
  label: string,
  firstEpoch = 0,
): Promise<void> {
  if (path === 'signers') {
    // A signer alone: a 1-of-1 set.
    const set = { threshold: 1, signers: [{ publicKey: key.publicKey, label }] };
    await registerSignerSet(target, set, { validFrom: LONG_AGO, firstEpoch });
    return;
  }
  await target
    .admin('post', `/v1/admin/${path}`, { publicKey: key.publicKey, label, validFrom: LONG_AGO })
    .expect(201);
}

beforeAll(async () => {
  [api, factory, bank, custodian, custodianB, revoked, fxSource] = await Promise.all([
    startApi(),
    AttestationFactory.create(),
    newInstitution('onshore-bank'),
    testSigner(1),
    testSigner(4),
    testSigner(3),
    testSigner(7),
  ]);
  prover = new ClaimProver(factory.p);
  sample = loadSnapshotFile(join(__dirname, '..', '..', 'examples', 'snapshot.json'));
  await registerInstitution(api, bank);
  await registerKey(api, 'signers', custodian, 'Custodian A');
  await registerKey(api, 'signers', custodianB, 'Custodian B');
  await registerKey(api, 'signers', revoked, 'Custodian C');
  await registerKey(api, 'fx-sources', fxSource, 'FX desk');
  await api
    .admin('post', `/v1/admin/signer-sets/${singleKeySetId(revoked.keyId)}/revoke`, {
      effectiveAt: new Date((NOW - 7200) * 1000).toISOString(),
    })
    .expect(200);

  const fx = await signedFx(fxSource, FX_AS_OF);
  packages.one = await factory.package({ context: await challenge(), asOf: AS_OF });
  packages.three = await threeCurrencies({ context: await challenge(), fx });
  packages.spare = await threeCurrencies({ context: await challenge(), fx });
  packages.otherSet = await factory.package({ context: await challenge(), signerSeed: 4 });
  packages.unknownSigner = await factory.package({ context: await challenge(), signerSeed: 2 });
  packages.revokedSigner = await factory.package({
    context: await challenge(),
    signerSeed: 3,
    asOf: AS_OF,
  });
  packages.unknownFx = await threeCurrencies({
    context: await challenge(),
    fx: await signedFx(await testSigner(8), FX_AS_OF),
  });
});

afterAll(async () => {
  await api.close();
});

describe('records show the unit, the amounts and who signed', () => {
  it('a one-currency book: currency, decimals, amounts, the signer and its label', async () => {
    const pkg = packages.one!;
    const res = await submit(pkg);
    expect(res.status).toBe(201);
    const expected = {
      id: statementId(pkg),
      setId: pkg.snapshot.setId,
      threshold: 1,
      epoch: 0,
      signers: [{ keyId: custodian.keyId, label: 'Custodian A' }],
      signedBy: 'signed by 1 of 1: Custodian A',
      currency: 'CNY',
      decimals: 2,
      amounts: { liabilities: LIABILITIES },
      asOf: AS_OF,
    };
    expect(res.body.attestation).toMatchObject(expected);
    expect(res.body.attestation.fx).toBeUndefined();
    const got = await request(api.app)
      .get(`/v1/attestations/${statementId(pkg)}`)
      .expect(200);
    expect(got.body).toEqual(res.body.attestation);
    expect(got.body.meaning).toContain(LIABILITIES);
    const listed = await request(api.app).get('/v1/attestations').expect(200);
    expect(listed.body.items.find((r: { id: string }) => r.id === expected.id)).toMatchObject(
      expected,
    );
  });

  it('a three-currency book: the FX source with its label, its as-of and the currencies', async () => {
    const pkg = packages.three!;
    const res = await submit(pkg);
    expect(res.status).toBe(201);
    const expected = {
      signers: [{ keyId: custodian.keyId, label: 'Custodian A' }],
      currency: 'CNY',
      decimals: 2,
      amounts: { liabilities: LIABILITIES },
      fx: {
        sourceKeyId: fxSource.keyId,
        label: 'FX desk',
        asOf: FX_AS_OF,
        currencies: ['HKD', 'USD'],
      },
    };
    expect(res.body.attestation).toMatchObject(expected);
    const got = await request(api.app)
      .get(`/v1/attestations/${statementId(pkg)}`)
      .expect(200);
    expect(got.body).toMatchObject(expected);
    const listed = await request(api.app)
      .get(`/v1/attestations?commitment=${pkg.publicSignals.commitment}`)
      .expect(200);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ id: statementId(pkg), ...expected });
  });
});

describe('POST /v1/verify', () => {
  const verify = (body: object) => request(api.app).post('/v1/verify').send(body);

  it('answers the amounts and who is trusted, with their labels', async () => {
    const res = await verify({ package: packages.spare }).expect(200);
    expect(res.body).toMatchObject({
      valid: true,
      reasons: [],
      amounts: { liabilities: LIABILITIES },
      trust: {
        signerSet: {
          setId: singleKeySetId(custodian.keyId),
          threshold: 1,
          size: 1,
          signers: [{ keyId: custodian.keyId, label: 'Custodian A' }],
          summary: 'signed by 1 of 1: Custodian A',
        },
        fxSource: { keyId: fxSource.keyId, label: 'FX desk' },
      },
    });
    const one = await verify({ package: packages.otherSet }).expect(200);
    expect(one.body.trust).toEqual({
      signerSet: {
        setId: singleKeySetId(custodianB.keyId),
        threshold: 1,
        size: 1,
        signers: [{ keyId: custodianB.keyId, label: 'Custodian B' }],
        summary: 'signed by 1 of 1: Custodian B',
      },
    });
  });

  it("refuses a unit other than the investor's: currency or decimals", async () => {
    const withUnit = (currency: string, decimals: number) =>
      verify({ package: packages.spare, unit: { currency, decimals } }).expect(200);
    expect((await withUnit('CNY', 2)).body).toMatchObject({ valid: true, reasons: [] });
    for (const [currency, decimals] of [
      ['USD', 2],
      ['HKD', 2],
      ['CNY', 0],
      ['CNY', 18],
    ] as const) {
      const res = await withUnit(currency, decimals);
      expect([currency, decimals, res.body.valid, res.body.reasons]).toEqual([
        currency,
        decimals,
        false,
        ['UNIT_NOT_ACCEPTED'],
      ]);
      // Still the amounts as proven, so the investor sees what was offered.
      expect(res.body.amounts).toEqual({ liabilities: LIABILITIES });
    }
  });

  it('refuses a malformed unit with a coded 400 naming the field', async () => {
    for (const [unit, code] of [
      [{ currency: 'ZZZ', decimals: 2 }, 'CURRENCY_UNKNOWN'],
      [{ currency: 'cny', decimals: 2 }, 'REQUEST_INVALID'],
      [{ currency: 'CNY', decimals: 19 }, 'REQUEST_INVALID'],
      [{ currency: 'CNY', decimals: 1.5 }, 'REQUEST_INVALID'],
      [{ currency: 'CNY' }, 'REQUEST_INVALID'],
    ] as const) {
      const res = await verify({ package: packages.spare, unit });
      expect([unit, res.status, res.body.error?.code]).toEqual([unit, 400, code]);
      expect(res.text).not.toMatch(/ZZZ|cny/);
    }
    const unknown = await verify({
      package: packages.spare,
      unit: { currency: 'ZZZ', decimals: 2 },
    });
    expect(unknown.body.error.details).toEqual({ field: 'unit.currency' });
  });
});

describe('submissions refused, none recorded', () => {
  /** The spare (valid, unrecorded) package, mutated. */
  const spare = (mutate: (p: AttestationPackage) => void) => {
    const p = clone(packages.spare!);
    mutate(p);
    return p;
  };
  const reSign = (p: AttestationPackage, commitment: bigint, asOf = p.snapshot.asOf) =>
    custodian.sign(
      snapshotMessage({
        ...p.snapshot,
        asOf,
        epoch: BigInt(p.snapshot.epoch),
        commitment,
        fxTableHash: BigInt(p.publicSignals.fxTable),
      }),
    );
  const highS = (signature: string) =>
    signature.slice(0, 64) +
    (P256_ORDER - BigInt(`0x${signature.slice(64)}`)).toString(16).padStart(64, '0');

  it('a package signed by a key of no registered set: SIGNER_SET_UNKNOWN', async () => {
    expect(reasonsOf(await submit(packages.unknownSigner))).toEqual(['SIGNER_SET_UNKNOWN']);
  });

  it('a set revoked before the as-of time: SIGNER_SET_REVOKED (signed before it: accepted)', async () => {
    expect(reasonsOf(await submit(packages.revokedSigner))).toEqual(['SIGNER_SET_REVOKED']);
    // Revoked two hours ago: a snapshot it signed as of three hours ago still counts (the
    // refused one never entered the chain, so this one is its first link).
    const before = await factory.package({
      context: await challenge(),
      signerSeed: 3,
      asOf: NOW - 3 * 3600,
      epoch: 0,
    });
    const res = await submit(before);
    expect([res.status, res.body.attestation?.signers]).toEqual([
      201,
      [{ keyId: revoked.keyId, label: 'Custodian C' }],
    ]);
  });

  it('rates signed by an FX source that is not registered: FX_SOURCE_UNKNOWN', async () => {
    expect(reasonsOf(await submit(packages.unknownFx))).toEqual(['FX_SOURCE_UNKNOWN']);
  });

  it('a snapshot signature over another commitment or as-of: SIGNATURE_INVALID', async () => {
    const commitment = BigInt(packages.spare!.publicSignals.commitment);
    // The same signing, over the right message, is accepted: only the commitment differs below.
    const resigned = await reSign(packages.spare!, commitment);
    const control = spare((p) => (p.signatures[0]!.signature = resigned));
    const check = await request(api.app).post('/v1/verify').send({ package: control }).expect(200);
    expect(check.body.reasons).toEqual([]);

    const otherCommitment = await reSign(packages.spare!, commitment + 1n);
    const forged = spare((p) => (p.signatures[0]!.signature = otherCommitment));
    // The one signature of a 1-of-1 set is bad: no member signed.
    const refused = ['SIGNATURE_INVALID', 'THRESHOLD_NOT_MET'];
    expect(reasonsOf(await submit(forged))).toEqual(refused);
    const otherAsOf = spare((p) => (p.snapshot.asOf -= 60));
    expect(reasonsOf(await submit(otherAsOf))).toEqual(refused);
  });

  it('a high-s signature (snapshot or FX source): 400 SIGNATURE_MALFORMED', async () => {
    for (const p of [
      spare((q) => (q.signatures[0]!.signature = highS(q.signatures[0]!.signature))),
      spare((q) => (q.fx.source!.signature = highS(q.fx.source!.signature))),
    ]) {
      const res = await submit(p);
      expect([res.status, res.body.error.code]).toEqual([400, 'SIGNATURE_MALFORMED']);
    }
  });

  it('a malformed key (snapshot signer or FX source): 400 KEY_MALFORMED', async () => {
    for (const p of [
      spare((q) => (q.signatures[0]!.publicKey = offCurve(q.signatures[0]!.publicKey))),
      spare((q) => (q.fx.source!.publicKey = offCurve(q.fx.source!.publicKey))),
    ]) {
      const res = await submit(p);
      expect([res.status, res.body.error.code]).toEqual([400, 'KEY_MALFORMED']);
      expect(res.text).not.toContain(custodian.publicKey.x);
    }
  });

  it('an FX table edited after proving, even re-signed by its source: FX_TABLE_MISMATCH', async () => {
    const edited: FxTable = JSON.parse(JSON.stringify(CNY_HKD_USD));
    edited.rows[2]!.rate = (BigInt(edited.rows[2]!.rate) + 1n).toString();
    const unsigned = spare((p) => (p.fx.table = edited));
    expect(reasonsOf(await submit(unsigned))).toEqual(
      expect.arrayContaining(['FX_TABLE_MISMATCH']),
    );
    const reSigned = await signedFx(fxSource, FX_AS_OF, edited);
    const signed = spare((p) => (p.fx = reSigned));
    expect(reasonsOf(await submit(signed))).toEqual(['FX_TABLE_MISMATCH']);
  });

  it('recorded none of them; the unmodified package still records', async () => {
    for (const name of ['unknownSigner', 'revokedSigner', 'unknownFx', 'spare']) {
      const res = await request(api.app).get(`/v1/attestations/${statementId(packages[name]!)}`);
      expect([name, res.status]).toEqual([name, 404]);
    }
    // The refusals did not burn the spare's challenge.
    expect((await submit(packages.spare)).status).toBe(201);
  });
});

describe('listing by signer set', () => {
  it('filters by setId', async () => {
    expect((await submit(packages.otherSet)).status).toBe(201);
    const ids = async (query: string) =>
      (await request(api.app).get(`/v1/attestations?${query}`).expect(200)).body.items.map(
        (r: { id: string }) => r.id,
      );
    const setA = packages.one!.snapshot.setId;
    const setB = packages.otherSet!.snapshot.setId;
    expect(setA).not.toBe(setB);
    expect((await ids(`setId=${setA}`)).sort()).toEqual(
      [packages.one!, packages.three!, packages.spare!].map(statementId).sort(),
    );
    expect(await ids(`setId=${setB}`)).toEqual([statementId(packages.otherSet!)]);
    expect(await ids(`setId=${setB}&claim=yield-range`)).toEqual([]);
    expect(await ids(`setId=${'0'.repeat(64)}`)).toEqual([]);
    expect(await ids('limit=100')).toHaveLength(5); // and the one signed before a revocation
  });

  it('refuses a bad setId query with 400', async () => {
    const setA = packages.one!.snapshot.setId;
    for (const query of [
      `setId=${setA.toUpperCase()}`,
      `setId=${setA.slice(1)}`,
      `setId=${setA}0`,
      'setId=',
      `setId=${setA}&setId=${setA}`,
      'attestor=123', // the v1 filter is gone
    ]) {
      const res = await request(api.app).get(`/v1/attestations?${query}`);
      expect([query, res.status, res.body.error?.code]).toEqual([query, 400, 'REQUEST_INVALID']);
    }
  });
});

describe('FX age: the API refuses rates older than MAX_FX_AGE_SECONDS', () => {
  let redis: RedisServer;
  let server: RunningServer;
  beforeAll(async () => {
    redis = await startRedis();
    const config = readConfig({
      REDIS_URL: redis.url,
      PORT: '0',
      ADMIN_TOKEN,
      ALLOW_DEVELOPMENT_KEYS: 'true',
      MAX_FX_AGE_SECONDS: '3600',
    });
    server = await startServer(config, createLogger('silent'));
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  it('FX_STALE for rates older than the limit, accepted within it', async () => {
    const target = {
      admin: (method: 'get' | 'post', path: string, body?: object) => {
        const r = request(server.url)[method](path).set('Authorization', `Bearer ${ADMIN_TOKEN}`);
        return body ? r.send(body) : r;
      },
    };
    await registerInstitution(target, bank);
    // The FX books are epoch 1 of Custodian A's chain: this API's chain of the set starts there.
    await registerKey(target, 'signers', custodian, 'Custodian A', 1);
    await registerKey(target, 'fx-sources', fxSource, 'FX desk');
    const nonce = async () =>
      BigInt((await request(server.url).post('/v1/challenges').expect(201)).body.nonce);

    const stale = await threeCurrencies({
      context: await nonce(),
      fx: await signedFx(fxSource, NOW - 7200),
    });
    expect(reasonsOf(await submit(stale, server.url))).toEqual(['FX_STALE']);
    await request(server.url)
      .get(`/v1/attestations/${statementId(stale)}`)
      .expect(404);

    const fresh = await threeCurrencies({
      context: await nonce(),
      fx: await signedFx(fxSource, NOW - 600),
    });
    expect((await submit(fresh, server.url)).status).toBe(201);
  });
});
