/**
 * The offshore API with the investor's page over real HTTP on loopback, on a real
 * redis-server, holding a few recorded attestations of a 2-of-3 signer set: what the browser
 * tests, the page benchmark and the README screenshot run against.
 */
import type { Server } from 'node:http';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { signerSetId } from '../../src/common/snapshot-message';
import type { SignerSet } from '../../src/common/signer-set';
import { statementId } from '../../src/common/statement-id';
import { claimAmounts, claimMeaning, claimValues } from '../../src/claims/registry';
import { unpackStatement } from '../../src/common/statement';
import { listenOnLoopback, startApi, type ApiUnderTest } from '../api/api-harness';
import { AttestationFactory } from './attestation-factory';

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

/** Records `pkg` as the API would have recorded it after verifying it. */
async function record(api: ApiUnderTest, pkg: AttestationPackage, set: SignerSet): Promise<void> {
  const parts = unpackStatement(BigInt(pkg.publicSignals.statement))!;
  const values = claimValues(pkg.claim, parts);
  const unit = { currency: pkg.snapshot.currency, decimals: pkg.snapshot.decimals };
  const labels = new Map(set.signers.map((s) => [s.keyId, s.label]));
  await api.stores.attestations.putIfAbsent({
    id: statementId(pkg),
    claim: pkg.claim,
    circuitId: pkg.circuitId,
    commitment: pkg.publicSignals.commitment,
    setId: pkg.snapshot.setId,
    epoch: pkg.snapshot.epoch,
    signers: pkg.signatures.map((s) => ({ keyId: s.keyId, label: labels.get(s.keyId) })),
    currency: unit.currency,
    decimals: unit.decimals,
    amounts: claimAmounts(values, unit),
    asOf: pkg.snapshot.asOf,
    context: parts.context.toString(),
    institution: 'onshore-bank',
    valid: true,
    reasons: [],
    meaning: claimMeaning(values, pkg.snapshot.asOf, unit),
    publicValues: {},
    package: pkg,
    recordedAt: new Date().toISOString(),
  });
}

export async function startPageServer(): Promise<PageServer> {
  const [api, factory] = await Promise.all([startApi(), AttestationFactory.create()]);
  const { server, url } = await listenOnLoopback(api.app);
  const set = await factory.signerSet(2, [1, 2, 3], SET_LABELS);
  if (
    signerSetId(
      set.threshold,
      set.signers.map((s) => s.keyId),
    ) !== set.setId
  ) {
    throw new Error('signer set id mismatch');
  }
  const recorded: AttestationPackage[] = [];
  const hour = 3600;
  const now = Math.floor(Date.now() / 1000);
  const claims = [
    { asOf: now - 26 * hour, params: { claim: 'coverage', minCoverageBps: 12000 } },
    { asOf: now - 2 * hour, params: { claim: 'coverage', minCoverageBps: 12500 } },
    { asOf: now - 2 * hour, params: { claim: 'yield-range', minYieldBps: 200, maxYieldBps: 400 } },
  ] as const;
  for (const c of claims) {
    const pkg = await factory.package({ context: 12345n, asOf: c.asOf, set, params: c.params });
    await record(api, pkg, set);
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
