/**
 * The offshore API with the investor's page over real HTTP on loopback, on a real
 * redis-server, with a 2-of-3 signer set and an institution registered and three packages
 * submitted (each for a fresh challenge, verified and recorded by the API): what the browser
 * tests, the page benchmark and the README screenshot run against.
 */
import type { Server } from 'node:http';
import request from 'supertest';
import type { AttestationPackage } from '../../src/common/attestation-package';
import type { SignerSet } from '../../src/common/signer-set';
import {
  challengeNonce,
  listenOnLoopback,
  registerInstitution,
  registerSignerSet,
  startApi,
  type ApiUnderTest,
} from '../api/api-harness';
import { AttestationFactory, newInstitution, type Institution } from './attestation-factory';

export const SET_LABELS = ['Custodian A', 'Auditor B', 'Trustee C'];

export interface PageServer {
  url: string;
  api: ApiUnderTest;
  factory: AttestationFactory;
  set: SignerSet;
  /** Recorded, newest last. */
  recorded: AttestationPackage[];
  close(): Promise<void>;
}

/** Submits `pkg` in an envelope of the registered institution; the API verifies and records it. */
async function submit(
  api: ApiUnderTest,
  bank: Institution,
  pkg: AttestationPackage,
): Promise<void> {
  const res = await request(api.app)
    .post('/v1/attestations')
    .send({ envelope: await bank.seal(pkg) });
  if (res.status !== 201) throw new Error(`not recorded: ${res.status} ${res.body?.error?.code}`);
}

export async function startPageServer(): Promise<PageServer> {
  const [api, factory, bank] = await Promise.all([
    startApi(),
    AttestationFactory.create(),
    newInstitution('onshore-bank', 'ES256'),
  ]);
  const { server, url } = await listenOnLoopback(api.app);
  await registerInstitution(api, bank);
  const set = await factory.signerSet(2, [1, 2, 3], SET_LABELS);
  await registerSignerSet(api, set);
  const recorded: AttestationPackage[] = [];
  const hour = 3600;
  const now = Math.floor(Date.now() / 1000);
  const claims = [
    { asOf: now - 26 * hour, params: { claim: 'coverage', minCoverageBps: 12000 } },
    { asOf: now - 2 * hour, params: { claim: 'coverage', minCoverageBps: 12500 } },
    { asOf: now - 2 * hour, params: { claim: 'yield-range', minYieldBps: 200, maxYieldBps: 400 } },
  ] as const;
  for (const c of claims) {
    const context = await challengeNonce(api.app);
    const pkg = await factory.package({ context, asOf: c.asOf, set, params: c.params });
    await submit(api, bank, pkg);
    recorded.push(pkg);
  }
  return {
    url,
    api,
    factory,
    set,
    recorded,
    close: async () => {
      await new Promise<void>((resolve) => (server as Server).close(() => resolve()));
      await api.close();
    },
  };
}
