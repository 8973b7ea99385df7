import request from 'supertest';
import { statementId } from '../../src/common/statement-id';
import { signEnvelope } from '../../src/common/transport-envelope';
import type { EgressHead } from '../../src/common/egress-head';
import type { AttestationFactory, Institution } from '../support/attestation-factory';
import {
  freshPackage as packageFor,
  startApiWithCustodian,
  type ApiUnderTest,
} from './api-harness';

// The offshore API records the sender's egress log head (signed in the envelope's protected
// header) with the attestation, so the sender's `egress reconcile` can compare its log later.

let api: ApiUnderTest;
let factory: AttestationFactory;
let bank: Institution;

beforeAll(async () => {
  ({ api, factory, bank } = await startApiWithCustodian('EdDSA'));
});

afterAll(async () => {
  await api.close();
});

const freshPackage = () => packageFor(api.app, factory);

const seal = (pkg: object, egressHead?: EgressHead) =>
  signEnvelope(Buffer.from(JSON.stringify(pkg)), {
    alg: bank.alg,
    privateJwk: bank.privateJwk,
    kid: bank.id,
    ...(egressHead ? { egressHead } : {}),
  });

describe('the egress head offshore', () => {
  it('is recorded with the attestation and returned; a resend keeps the first', async () => {
    const pkg = await freshPackage();
    const head = { seq: 7, hash: 'a1'.repeat(32) };
    const created = await request(api.app)
      .post('/v1/attestations')
      .send({ envelope: await seal(pkg, head) })
      .expect(201);
    expect(created.body.attestation.egressHead).toEqual(head);
    const got = await request(api.app)
      .get(`/v1/attestations/${statementId(pkg)}`)
      .expect(200);
    expect(got.body.egressHead).toEqual(head);
    const listed = await request(api.app).get('/v1/attestations').expect(200);
    expect(listed.body.items[0]).toMatchObject({ id: statementId(pkg), egressHead: head });

    const again = await request(api.app)
      .post('/v1/attestations')
      .send({ envelope: await seal(pkg, { seq: 9, hash: 'b2'.repeat(32) }) })
      .expect(200);
    expect(again.body.attestation.egressHead).toEqual(head);
  });

  it('is absent from a record whose envelope carried none (envelopes without it still work)', async () => {
    const pkg = await freshPackage();
    const created = await request(api.app)
      .post('/v1/attestations')
      .send({ envelope: await seal(pkg) })
      .expect(201);
    expect(created.body.attestation).not.toHaveProperty('egressHead');
  });
});
