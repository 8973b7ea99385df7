import request from 'supertest';
import {
  allocationContext,
  allocationsHash,
  parseAllocationTable,
} from '../../src/common/allocations';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { statementId } from '../../src/common/statement-id';
import type { Express } from 'express';
import type { AttestationFactory, Institution } from '../support/attestation-factory';
import { createTestApp, startApiWithCustodian, type ApiUnderTest } from './api-harness';

// A split coverage package (issue 12) at the offshore API. Its context is the allocation
// table's (every token it names accepts it), not a challenge of this API: an API whose policy
// requires challenges refuses it with CONTEXT_UNKNOWN like any other unknown context; one that
// does not records it, and the record carries the signed allocation rows.

const TABLE = parseAllocationTable({
  rows: [
    { chainId: '31338', token: '0x' + 'aa'.repeat(20), amount: '5000000000' },
    { chainId: '31339', token: '0x' + 'bb'.repeat(20), amount: '3000000000' },
  ],
});

let api: ApiUnderTest; // no challenge required
let challenging: Express; // the same stores, challenges required
let factory: AttestationFactory;
let bank: Institution;
let split: AttestationPackage;

const submit = async (app: Express, pkg: unknown) =>
  request(app)
    .post('/v1/attestations')
    .send({ envelope: await bank.seal(pkg) });

beforeAll(async () => {
  ({ api, factory, bank } = await startApiWithCustodian('EdDSA', { requireChallenge: false }));
  challenging = createTestApp(api.stores, { requireChallenge: true });
  split = await factory.package({
    context: allocationContext(allocationsHash(TABLE)),
    allocations: TABLE,
    params: { claim: 'coverage', minCoverageBps: 11000 },
  });
}, 120_000);

afterAll(async () => {
  await api.close();
});

describe('a split coverage package at the API', () => {
  it('is refused with CONTEXT_UNKNOWN where the policy requires a challenge, and not recorded', async () => {
    const res = await submit(challenging, split);
    expect([res.status, res.body.error?.code]).toEqual([422, 'ATTESTATION_REJECTED']);
    expect(res.body.error.details.reasons).toBe('CONTEXT_UNKNOWN');
    await request(api.app)
      .get(`/v1/attestations/${statementId(split)}`)
      .expect(404);
  });

  it('is recorded where no challenge is required; the record carries the allocation rows', async () => {
    const tampered = JSON.parse(JSON.stringify(split)) as AttestationPackage;
    tampered.allocations!.rows[0]!.amount = '5000000001';
    const refused = await submit(api.app, tampered);
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.reasons).toBe('ALLOCATIONS_MISMATCH');

    const res = await submit(api.app, split);
    expect(res.status).toBe(201);
    expect(res.body.attestation.allocations).toEqual(TABLE.rows);
    expect(res.body.attestation.context).toBe(allocationContext(allocationsHash(TABLE)).toString());
    expect(res.body.attestation.publicValues.allocations).toBeUndefined();
    const got = await request(api.app)
      .get(`/v1/attestations/${statementId(split)}`)
      .expect(200);
    expect(got.body.allocations).toEqual(TABLE.rows);
    expect(got.body.amounts.liabilities).toBe('CNY 81,180,000.00');
    // A package without a split carries no rows.
    const plain = await factory.package({ context: 99n, asOf: split.snapshot.asOf + 60 });
    const plainRes = await submit(api.app, plain);
    expect([plainRes.status, plainRes.body.error?.details]).toEqual([201, undefined]);
    expect(plainRes.body.attestation.allocations).toBeUndefined();
  });
});
