import request from 'supertest';
import { createMemoryStores } from '../../src/api/store';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { P256_ORDER } from '../../src/common/p256';
import {
  checkSignatures,
  commitmentHex,
  signedSnapshotOf,
  type SignedSnapshot,
} from '../../src/common/signed-snapshot';
import type { SignerSet } from '../../src/common/signer-set';
import { statementId } from '../../src/common/statement-id';
import {
  AttestationFactory,
  newInstitution,
  type Institution,
} from '../support/attestation-factory';
import { newP256Key } from '../support/p256-keys';
import {
  challengeNonce,
  createTestApp,
  registerSignerSet,
  registerTwoOfThree,
  startApi,
  TWO_OF_THREE_LABELS,
  type ApiUnderTest,
} from './api-harness';

// Signer sets (k of n) and their epoch chains at the offshore API, on a real redis-server with
// real proofs: a 2-of-3 set (custodian, auditor, trustee) signs; the API refuses k-1
// signatures, one signer counted twice, an outsider, another set, an edited message, and every
// break of the chain (gap, rollback, broken link, equivocation, whose evidence it keeps and
// shows); anyone may post a chain link without a claim.

const HOUR = 3600;
const NOW = Math.floor(Date.now() / 1000);
const T0 = NOW - 10 * HOUR;
const T1 = NOW - 9 * HOUR;
const T2 = NOW - 8 * HOUR;
const T3 = NOW - 7 * HOUR;
const T4 = NOW - 6 * HOUR;

let api: ApiUnderTest;
let factory: AttestationFactory;
let bank: Institution;
let set: SignerSet; // 2 of 3: seeds 1, 2, 3
const recorded: AttestationPackage[] = []; // set's epochs 0, 1, ... as recorded

const challenge = () => challengeNonce(api.app);
const submit = async (pkg: unknown) =>
  request(api.app)
    .post('/v1/attestations')
    .send({ envelope: await bank.seal(pkg) });
const verify = (pkg: unknown) => request(api.app).post('/v1/verify').send({ package: pkg });
const reasonsOf = (res: request.Response): string[] => {
  expect([res.status, res.body.error?.code]).toEqual([422, 'ATTESTATION_REJECTED']);
  return String(res.body.error.details.reasons).split(',');
};
const clone = (pkg: AttestationPackage) => JSON.parse(JSON.stringify(pkg)) as AttestationPackage;
/** A package of `set`, signed by the members with these seeds. */
const pkgOf = async (
  signWith: number[],
  asOf: number,
  over: { epoch?: number; prevCommitment?: string; set?: SignerSet } = {},
) =>
  factory.package({
    context: await challenge(),
    set: over.set ?? set,
    signWith,
    asOf,
    ...(over.epoch !== undefined ? { epoch: over.epoch } : {}),
    ...(over.prevCommitment !== undefined ? { prevCommitment: over.prevCommitment } : {}),
  });
const setView = async (setId = set.setId) =>
  (await request(api.app).get(`/v1/signer-sets/${setId}`).expect(200)).body;
const headEpoch = async () => (await setView()).chain.head?.epoch as number | undefined;
const commitmentOf = (pkg: AttestationPackage) => commitmentHex(pkg.publicSignals.commitment);
const negateS = (signature: string) =>
  signature.slice(0, 64) +
  (P256_ORDER - BigInt(`0x${signature.slice(64)}`)).toString(16).padStart(64, '0');

beforeAll(async () => {
  [api, factory, bank] = await Promise.all([
    startApi(),
    AttestationFactory.create(),
    newInstitution('onshore-bank'),
  ]);
  set = await registerTwoOfThree(api, bank, factory);
});
afterAll(async () => {
  await api.close();
});

describe('a 2-of-3 signer set', () => {
  it('records a package signed by 2 of 3, naming the signers with their labels', async () => {
    const pkg = await pkgOf([1, 2], T0);
    const check = await verify(pkg).expect(200);
    expect(check.body).toMatchObject({ valid: true, reasons: [] });
    const summary = `signed by 2 of 3: ${TWO_OF_THREE_LABELS[0]}, ${TWO_OF_THREE_LABELS[1]}`;
    expect(check.body.trust.signerSet).toMatchObject({
      setId: set.setId,
      threshold: 2,
      size: 3,
      summary,
    });
    const res = await submit(pkg);
    expect(res.status).toBe(201);
    const [one, two] = await Promise.all([factory.signer(1), factory.signer(2)]);
    expect(res.body.attestation).toMatchObject({
      setId: set.setId,
      threshold: 2,
      epoch: 0,
      prevCommitment: pkg.snapshot.prevCommitment,
      signers: [
        { keyId: one.keyId, label: TWO_OF_THREE_LABELS[0] },
        { keyId: two.keyId, label: TWO_OF_THREE_LABELS[1] },
      ],
      signedBy: summary,
    });
    recorded.push(pkg);
    expect((await setView()).chain).toEqual({
      head: { epoch: 0, commitment: commitmentOf(pkg), asOf: T0, digest: expect.any(String) },
      links: 1,
    });
  });

  it('accepts any 2 (or all 3) of the members for the next epoch', async () => {
    const pkg = await pkgOf([3, 2], T1);
    expect(pkg.snapshot).toMatchObject({ epoch: 1, prevCommitment: commitmentOf(recorded[0]!) });
    expect((await submit(pkg)).status).toBe(201);
    recorded.push(pkg);
    // All three on another claim over the same snapshot: the link is known, fine.
    const all = await pkgOf([1, 2, 3], T1);
    expect(all.snapshot.epoch).toBe(1);
    const res = await submit(all);
    expect(res.status).toBe(201);
    expect(res.body.attestation.signers).toHaveLength(3);
    expect((await setView()).chain.links).toBe(2);
  });

  // The prover refuses to package fewer than k good signatures: these are edited afterwards.
  it('k-1 signatures: THRESHOLD_NOT_MET (submit and verify)', async () => {
    const pkg = clone(await pkgOf([1, 2], T0));
    pkg.signatures = pkg.signatures.slice(0, 1);
    expect((await verify(pkg).expect(200)).body.reasons).toEqual(['THRESHOLD_NOT_MET']);
    expect(reasonsOf(await submit(pkg))).toEqual(['THRESHOLD_NOT_MET']);
  });

  it('one signer counted twice: SIGNER_DUPLICATE; its signature again with s negated: 400 SIGNATURE_MALFORMED', async () => {
    const pkg = await pkgOf([1, 2], T0);
    const sig = pkg.signatures[0]!;
    const twice = clone(pkg);
    twice.signatures = [sig, sig];
    const reasons = reasonsOf(await submit(twice));
    expect(reasons).toEqual(expect.arrayContaining(['SIGNER_DUPLICATE', 'THRESHOLD_NOT_MET']));
    expect((await verify(twice).expect(200)).body.reasons).toContain('SIGNER_DUPLICATE');

    // The same key again with s negated (a high s, the other encoding of that signature) is
    // malformed, beside the original as alone: every entry is decoded before any is counted.
    const flipped = { ...sig, signature: negateS(sig.signature) };
    const negatedTwice = clone(pkg);
    negatedTwice.signatures = [sig, flipped];
    const negated = clone(pkg);
    negated.signatures = [flipped, pkg.signatures[1]!];
    for (const p of [negatedTwice, negated]) {
      for (const res of [await submit(p), await verify(p)]) {
        expect([res.status, res.body.error?.code]).toEqual([400, 'SIGNATURE_MALFORMED']);
      }
    }
  });

  it('a key not in the set: SIGNER_NOT_IN_SET', async () => {
    const pkg = await pkgOf([1, 2], T0);
    const [outsider] = await factory.cosign(set, signedSnapshotOf(pkg).message, [4]);
    const replaced = clone(pkg);
    replaced.signatures = [pkg.signatures[0]!, outsider!];
    expect(reasonsOf(await submit(replaced))).toEqual(
      expect.arrayContaining(['SIGNER_NOT_IN_SET', 'THRESHOLD_NOT_MET']),
    );
    // Even beside k good ones: no unchecked signature rides along.
    const extra = clone(pkg);
    extra.signatures = [...pkg.signatures, outsider!];
    expect(reasonsOf(await submit(extra))).toEqual(['SIGNER_NOT_IN_SET']);
  });

  it('a set id with another threshold: the 1-of-3 set is unknown; an edited threshold is SIGNER_SET_MISMATCH', async () => {
    const oneOfThree = await factory.signerSet(1, [1, 2, 3], TWO_OF_THREE_LABELS);
    expect(oneOfThree.setId).not.toBe(set.setId);
    const claimed = await pkgOf([1], T0, { set: oneOfThree });
    expect(reasonsOf(await submit(claimed))).toEqual(['SIGNER_SET_UNKNOWN']);

    const edited = clone(await pkgOf([1, 2], T0));
    edited.signerSet.threshold = 1;
    expect(reasonsOf(await submit(edited))).toContain('SIGNER_SET_MISMATCH');
  });

  it('an epoch or previous commitment edited after signing: SIGNATURE_INVALID', async () => {
    const pkg = await pkgOf([1, 2], T0);
    const epoch = clone(pkg);
    epoch.snapshot.epoch += 5;
    expect(reasonsOf(await submit(epoch))).toEqual(
      expect.arrayContaining(['SIGNATURE_INVALID', 'THRESHOLD_NOT_MET']),
    );
    const prev = clone(pkg);
    prev.snapshot.prevCommitment = 'ab'.repeat(32);
    expect(reasonsOf(await submit(prev))).toEqual(
      expect.arrayContaining(['SIGNATURE_INVALID', 'THRESHOLD_NOT_MET']),
    );
    // Nothing above touched the chain.
    expect(await headEpoch()).toBe(1);
  });

  it('a previous commitment that is not the previous snapshot: PREV_COMMITMENT_MISMATCH', async () => {
    // The test snapshots share one commitment (one book, one salt; only asOf moves), so the
    // link names a commitment of no snapshot of this chain.
    const elsewhere = 'cd'.repeat(32);
    expect(elsewhere).not.toBe(commitmentOf(recorded[1]!));
    const pkg = await pkgOf([1, 2], T2, { epoch: 2, prevCommitment: elsewhere });
    expect((await verify(pkg).expect(200)).body.reasons).toEqual(['PREV_COMMITMENT_MISMATCH']);
    expect(reasonsOf(await submit(pkg))).toEqual(['PREV_COMMITMENT_MISMATCH']);
    expect(await headEpoch()).toBe(1);
  });

  it('a skipped epoch: EPOCH_GAP', async () => {
    const pkg = await pkgOf([1, 2], T2, { epoch: 3, prevCommitment: commitmentOf(recorded[1]!) });
    expect(reasonsOf(await submit(pkg))).toEqual(['EPOCH_GAP']);
    expect(await headEpoch()).toBe(1);
  });

  it('the next epoch dated before the head: EPOCH_ROLLBACK', async () => {
    const pkg = await pkgOf([1, 2], T1 - 600, {
      epoch: 2,
      prevCommitment: commitmentOf(recorded[1]!),
    });
    expect(reasonsOf(await submit(pkg))).toEqual(['EPOCH_ROLLBACK']);
    expect(await headEpoch()).toBe(1);
  });

  it('two snapshots for one epoch: EQUIVOCATION, refused, both signed messages kept and shown', async () => {
    const rival = await pkgOf([2, 3], T1 + 600, {
      epoch: 1,
      prevCommitment: commitmentOf(recorded[0]!),
    });
    expect((await verify(rival).expect(200)).body.reasons).toEqual(['EQUIVOCATION']);
    expect((await setView()).equivocations).toEqual([]); // a check only peeks
    expect(reasonsOf(await submit(rival))).toEqual(['EQUIVOCATION']);
    expect(reasonsOf(await submit(rival))).toEqual(['EQUIVOCATION']); // kept once

    const view = await setView();
    expect(view.chain.links).toBe(2);
    expect(view.equivocations).toEqual([
      {
        setId: set.setId,
        epoch: 1,
        recorded: signedSnapshotOf(recorded[1]!),
        conflicting: signedSnapshotOf(rival),
        detectedAt: expect.any(String),
      },
    ]);
    // The evidence stands on its own: k members of the set signed both messages.
    const [a, b] = [view.equivocations[0].recorded, view.equivocations[0].conflicting].map(
      (s: SignedSnapshot) => checkSignatures(s),
    );
    expect([a!.reasons, b!.reasons]).toEqual([[], []]);
    expect(a!.digest).not.toBe(b!.digest);
    expect(statementId(rival)).not.toBe(statementId(recorded[1]!));
    await request(api.app)
      .get(`/v1/attestations/${statementId(rival)}`)
      .expect(404);
  });

  it('the chain goes on after the refusals; /v1/verify only peeks', async () => {
    const next = await pkgOf([1, 3], T2);
    expect(next.snapshot).toMatchObject({ epoch: 2, prevCommitment: commitmentOf(recorded[1]!) });
    expect((await verify(next).expect(200)).body.valid).toBe(true);
    expect(await headEpoch()).toBe(1);
    expect((await submit(next)).status).toBe(201);
    recorded.push(next);
    expect(await headEpoch()).toBe(2);
  });
});

describe('POST /v1/signer-sets/:setId/epochs', () => {
  const post = (body: object, setId = set.setId) =>
    request(api.app).post(`/v1/signer-sets/${setId}/epochs`).send(body);

  it('appends a link without a claim (201), then knows it (200)', async () => {
    const link = signedSnapshotOf(await pkgOf([2, 3], T3));
    expect(link.message.epoch).toBe(3);
    const res = await post(link).expect(201);
    expect(res.body).toMatchObject({
      answer: 'extends',
      link: { setId: set.setId, epoch: 3, commitment: link.message.commitment, asOf: T3 },
    });
    expect((await post(link).expect(200)).body.answer).toBe('known');
    expect(await headEpoch()).toBe(3);
    // A claim on that snapshot later records against the known link.
    const claim = await pkgOf([1, 2], T3);
    expect(claim.snapshot.epoch).toBe(3);
    expect((await submit(claim)).status).toBe(201);
  });

  it('answers 409 with the chain reason; equivocation evidence is kept', async () => {
    const gap = signedSnapshotOf(
      await pkgOf([1, 2], T4, { epoch: 5, prevCommitment: '00'.repeat(32) }),
    );
    const res = await post(gap);
    expect([res.status, res.body.error.code]).toEqual([409, 'EPOCH_GAP']);
    const before = (await setView()).equivocations.length;
    const rival = signedSnapshotOf(
      await pkgOf([1, 2], T3 + 60, { epoch: 3, prevCommitment: commitmentOf(recorded[2]!) }),
    );
    const eq = await post(rival);
    expect([eq.status, eq.body.error.code]).toEqual([409, 'EQUIVOCATION']);
    const evidence = (await setView()).equivocations;
    expect(evidence).toHaveLength(before + 1);
    expect(evidence.at(-1)).toMatchObject({ epoch: 3, conflicting: rival });
  });

  it('422 SNAPSHOT_REJECTED for signatures or trust; 400 for a malformed link', async () => {
    const ok = signedSnapshotOf(await pkgOf([1, 2], T4));
    const short = { ...ok, signatures: ok.signatures.slice(0, 1) };
    const r1 = await post(short);
    expect([r1.status, r1.body.error.code, r1.body.error.details.reasons]).toEqual([
      422,
      'SNAPSHOT_REJECTED',
      'THRESHOLD_NOT_MET',
    ]);
    const twice = { ...ok, signatures: [ok.signatures[0], ok.signatures[0]] };
    expect((await post(twice)).body.error.details.reasons).toContain('SIGNER_DUPLICATE');
    const other = await factory.signerSet(1, [7], ['Unregistered']);
    const unknown = signedSnapshotOf(await pkgOf([7], T4, { set: other }));
    const r2 = await post(unknown, other.setId);
    expect([r2.status, r2.body.error.details.reasons]).toEqual([422, 'SIGNER_SET_UNKNOWN']);

    for (const [body, setId, code] of [
      [ok, other.setId, 'REQUEST_INVALID'], // the URL names another set
      [{ ...ok, extra: 1 }, set.setId, 'SIGNED_SNAPSHOT_INVALID'],
      [{ ...ok, signatures: [] }, set.setId, 'SIGNED_SNAPSHOT_INVALID'],
      [[ok], set.setId, 'SIGNED_SNAPSHOT_INVALID'],
      [
        {
          ...ok,
          signatures: [{ ...ok.signatures[0]!, signature: negateS(ok.signatures[0]!.signature) }],
        },
        set.setId,
        'SIGNATURE_MALFORMED',
      ],
      [ok, 'NOT-A-SET', 'REQUEST_INVALID'],
    ] as const) {
      const res = await post(body, setId);
      expect([code, res.status, res.body.error?.code]).toEqual([code, 400, code]);
    }
    const huge = await post({ ...ok, padding: 'x'.repeat(100 * 1024) });
    expect([huge.status, huge.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    // Nothing above moved the chain.
    expect(await headEpoch()).toBe(3);
  });

  it('is rate limited like the other public POSTs', async () => {
    const app = createTestApp(createMemoryStores(), {}, { writeRateLimitPerMinute: 2 });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      codes.push((await request(app).post(`/v1/signer-sets/${set.setId}/epochs`).send({})).status);
    }
    expect(codes).toEqual([400, 400, 429]);
  });
});

describe('reading signer sets and chains', () => {
  it('lists sets with their chain heads, and the epochs newest first, in pages', async () => {
    const list = await request(api.app).get('/v1/signer-sets').expect(200);
    const item = list.body.items.find((s: { setId: string }) => s.setId === set.setId);
    expect(item).toMatchObject({ threshold: 2, firstEpoch: 0, chain: { links: 4 } });
    expect(item.equivocations).toBeUndefined();

    const page1 = await request(api.app)
      .get(`/v1/signer-sets/${set.setId}/epochs?limit=3`)
      .expect(200);
    expect(page1.body.items.map((l: { epoch: number }) => l.epoch)).toEqual([3, 2, 1]);
    expect(page1.body.items[1].signed).toEqual(signedSnapshotOf(recorded[2]!));
    const page2 = await request(api.app)
      .get(`/v1/signer-sets/${set.setId}/epochs`)
      .query({ limit: 3, cursor: page1.body.nextCursor })
      .expect(200);
    expect(page2.body).toEqual({ items: [expect.objectContaining({ epoch: 0 })] });
    for (const [path, status] of [
      [`/v1/signer-sets/${set.setId}/epochs?cursor=zz`, 400],
      [`/v1/signer-sets/${set.setId}/epochs?limit=0`, 400],
      [`/v1/signer-sets/${'0'.repeat(64)}/epochs`, 404],
      [`/v1/signer-sets/${'0'.repeat(64)}`, 404],
      [`/v1/signer-sets/${set.setId.toUpperCase()}`, 400],
      ['/v1/signer-sets/xyz', 400],
    ] as const) {
      expect([path, (await request(api.app).get(path)).status]).toEqual([path, status]);
    }
  });
});

describe('registering signer sets', () => {
  const member = (label: string) => ({ publicKey: newP256Key().publicKey, label });

  it('201, the same again 200, other labels 409; audited', async () => {
    const body = { threshold: 2, signers: [member('A'), member('B'), member('C')] };
    const created = await api.admin('post', '/v1/admin/signer-sets', body).expect(201);
    expect(created.body).toMatchObject({ threshold: 2, firstEpoch: 0 });
    expect(created.body.signers.map((s: { keyId: string }) => s.keyId)).toEqual(
      [...created.body.signers.map((s: { keyId: string }) => s.keyId)].sort(),
    );
    await api.admin('post', '/v1/admin/signer-sets', body).expect(200);
    const relabelled = {
      ...body,
      signers: [{ ...body.signers[0]!, label: 'Z' }, ...body.signers.slice(1)],
    };
    const conflict = await api.admin('post', '/v1/admin/signer-sets', relabelled);
    expect([conflict.status, conflict.body.error.code]).toEqual([409, 'CONFLICT']);
    const events = (await api.stores.audit.read(1000))
      .map((e) => e.event)
      .filter((e) => e.type === 'admin.signer-set.registered' && e.setId === created.body.setId);
    expect(events.map((e) => e.created)).toEqual([true, false]);
    await request(api.app).post('/v1/admin/signer-sets').send(body).expect(401);
  });

  it('refuses hostile sets with a coded 400, registering nothing', async () => {
    const before = (await request(api.app).get('/v1/signer-sets').expect(200)).body.items.length;
    const a = member('A');
    const nine = Array.from({ length: 9 }, (_, i) => member(`S${i}`));
    for (const [body, code] of [
      [{ threshold: 1, signers: nine }, 'SIGNER_SET_INVALID'],
      [{ threshold: 0, signers: [a] }, 'SIGNER_SET_INVALID'],
      [{ threshold: 2, signers: [a] }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1, signers: [a, { ...a, label: 'again' }] }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1, signers: [{ ...a, label: 'Bank\u202Eevil' }] }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1, signers: [{ ...a, label: 'x'.repeat(65) }] }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1, signers: 'all of them' }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1, signers: [{ publicKey: { x: '1', y: '2' }, label: 'x' }] }, 'KEY_MALFORMED'],
      [{ threshold: 1, signers: [a], firstEpoch: -1 }, 'REQUEST_INVALID'],
      [{ threshold: 1, signers: [a], validFrom: 'soon' }, 'REQUEST_INVALID'],
      [{ threshold: 1, signers: [a], setId: 'x' }, 'REQUEST_INVALID'],
    ] as const) {
      const res = await api.admin('post', '/v1/admin/signer-sets', body);
      expect([body, res.status, res.body.error?.code]).toEqual([body, 400, code]);
    }
    expect((await request(api.app).get('/v1/signer-sets').expect(200)).body.items).toHaveLength(
      before,
    );
  });
});

describe('a revoked signer set', () => {
  it('refuses a snapshot dated after the revocation (SIGNER_SET_REVOKED), accepts one before', async () => {
    const setB = await factory.signerSet(2, [4, 5, 6], ['Custodian D', 'Auditor E', 'Trustee F']);
    await registerSignerSet(api, setB);
    const before = await pkgOf([4, 5], NOW - 3 * HOUR, { set: setB });
    const after = await pkgOf([5, 6], NOW - HOUR, { set: setB });
    expect([before.snapshot.epoch, after.snapshot.epoch]).toEqual([0, 1]);
    await api
      .admin('post', `/v1/admin/signer-sets/${setB.setId}/revoke`, {
        effectiveAt: new Date((NOW - 2 * HOUR) * 1000).toISOString(),
      })
      .expect(200);
    expect(reasonsOf(await submit(after))).toEqual(['SIGNER_SET_REVOKED']);
    const link = await request(api.app)
      .post(`/v1/signer-sets/${setB.setId}/epochs`)
      .send(signedSnapshotOf(after));
    expect([link.status, link.body.error.details.reasons]).toEqual([422, 'SIGNER_SET_REVOKED']);
    const res = await submit(before);
    expect(res.status).toBe(201);
    expect(res.body.attestation.signedBy).toBe('signed by 2 of 3: Custodian D, Auditor E');
    expect((await setView(setB.setId)).chain.links).toBe(1);
  });
});
