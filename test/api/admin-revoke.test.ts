import { newInstitution } from '../support/attestation-factory';
import { newP256Key } from '../support/p256-keys';
import { registerInstitution, startApi, type ApiUnderTest } from './api-harness';

// A revocation is one-way and only ever moves earlier: the endpoints must answer, and audit,
// the time in effect after the call, never merely the time asked for.

let api: ApiUnderTest;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

const EARLIER = '2025-02-01T00:00:00.000Z';
const LATER = '2025-03-01T00:00:00.000Z';

async function lastAudit(type: string) {
  const events = await api.stores.audit.read(1000);
  return events.filter((e) => e.event.type === type).map((e) => e.event);
}

describe('revoke endpoints answer the effective time', () => {
  it('signer sets: a later or absent time keeps, and reports, the earlier revocation', async () => {
    const created = await api
      .admin('post', '/v1/admin/signer-sets', {
        threshold: 1,
        signers: [{ publicKey: newP256Key().publicKey, label: 'a' }],
        validFrom: '2025-01-01T00:00:00Z',
      })
      .expect(201);
    const setId = created.body.setId as string;
    const path = `/v1/admin/signer-sets/${setId}/revoke`;
    // Sub-millisecond digits are not kept: the answer is the stored time.
    const first = await api
      .admin('post', path, { effectiveAt: '2025-02-01T00:00:00.000999Z' })
      .expect(200);
    expect(first.body).toEqual({ setId, revokedAt: EARLIER });
    const later = await api.admin('post', path, { effectiveAt: LATER }).expect(200);
    expect(later.body).toEqual({ setId, revokedAt: EARLIER });
    const now = await api.admin('post', path, {}).expect(200);
    expect(now.body).toEqual({ setId, revokedAt: EARLIER });
    expect((await api.stores.signerSets.get(setId))?.revokedAt).toBe(EARLIER);
    const before = await api.admin('post', path, { effectiveAt: '2024-12-31T00:00:00Z' });
    expect([before.status, before.body.error.code]).toEqual([400, 'REQUEST_INVALID']);

    const audited = await lastAudit('admin.signer-set.revoked');
    expect(audited.map((e) => e.revokedAt)).toEqual([EARLIER, EARLIER, EARLIER]);
    expect(audited[1]).toMatchObject({ setId, revokedAt: EARLIER, requestedAt: LATER });
  });

  it('institutions: the same, and an earlier time moves the revocation earlier', async () => {
    const bank = await newInstitution('revoked-bank');
    await registerInstitution(api, bank, 'Bank');
    const path = `/v1/admin/institutions/${bank.id}/revoke`;
    expect((await api.admin('post', path, { effectiveAt: LATER }).expect(200)).body).toEqual({
      id: bank.id,
      revokedAt: LATER,
    });
    const now = await api.admin('post', path, {}).expect(200);
    expect(now.body.revokedAt).toBe(LATER);
    const earlier = await api.admin('post', path, { effectiveAt: EARLIER }).expect(200);
    expect(earlier.body.revokedAt).toBe(EARLIER);

    const audited = await lastAudit('admin.institution.revoked');
    expect(audited.map((e) => e.revokedAt)).toEqual([LATER, LATER, EARLIER]);
  });

  it('unknown ids are 404', async () => {
    await api.admin('post', `/v1/admin/signer-sets/${newP256Key().keyId}/revoke`, {}).expect(404);
    await api.admin('post', `/v1/admin/fx-sources/${newP256Key().keyId}/revoke`, {}).expect(404);
    await api.admin('post', '/v1/admin/institutions/no-such-bank/revoke', {}).expect(404);
  });
});
