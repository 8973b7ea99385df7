import type { AttestationPackage } from '../../src/common/attestation-package';
import { ZkAttestError } from '../../src/common/errors';
import { P256_ORDER } from '../../src/common/p256';
import { checkSignatures, signedSnapshotOf } from '../../src/common/signed-snapshot';
import type { SignerSet } from '../../src/common/signer-set';
import { signerSetId } from '../../src/common/snapshot-message';
import {
  chainAnswer,
  DEFAULT_POLICY,
  VerificationKeyRegistry,
  verifyAttestation,
  verifyPackage,
  type ChainLink,
  type EpochChainLedger,
  type EquivocationEvidence,
  type KeyDirectory,
} from '../../src/verifier';
import { AttestationFactory } from '../support/attestation-factory';

// k of n: every check a verifier makes of the signatures beside a proof, on real proofs signed
// by real P-256 keys (seeds 1..3 are the set's members, 4 is an outsider).

const NOW = Math.floor(Date.now() / 1000);
const AS_OF = NOW - 3600;
const iso = (s: number) => new Date(s * 1000).toISOString();
const LABELS = ['Custodian A', 'Auditor B', 'Trustee C'];

let factory: AttestationFactory;
let registry: VerificationKeyRegistry;
let set: SignerSet;
let pkg: AttestationPackage;
const clone = (of = pkg) => JSON.parse(JSON.stringify(of)) as AttestationPackage;
const reasons = async (p: AttestationPackage) => (await verifyPackage(p, registry)).reasons;

beforeAll(async () => {
  factory = await AttestationFactory.create();
  registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
  set = await factory.signerSet(2, [1, 2, 3], LABELS);
  pkg = await factory.package({ context: 9n, asOf: AS_OF, set, signWith: [1, 3] });
});

describe('verifyPackage: k distinct members of the set', () => {
  it('accepts 2 of 3 and 3 of 3, naming who signed', async () => {
    const verdict = await verifyPackage(pkg, registry);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.publicValues?.threshold).toBe(2);
    expect(verdict.publicValues?.signers).toHaveLength(2);
    const all = await factory.package({ context: 9n, asOf: AS_OF, set, signWith: [1, 2, 3] });
    expect((await verifyPackage(all, registry)).publicValues?.signers).toHaveLength(3);
  });

  it('refuses k-1 signatures', async () => {
    const short = clone();
    short.signatures = short.signatures.slice(0, 1);
    expect(await reasons(short)).toEqual(['THRESHOLD_NOT_MET']);
  });

  it('counts one signer once: the same signature twice', async () => {
    const twice = clone();
    twice.signatures = [twice.signatures[0]!, twice.signatures[0]!];
    expect(await reasons(twice)).toEqual(['SIGNER_DUPLICATE', 'THRESHOLD_NOT_MET']);
  });

  it('refuses the same signature with s negated, and re-encoded in capitals', async () => {
    const negated = clone();
    const sig = negated.signatures[1]!.signature;
    const s = BigInt(`0x${sig.slice(64)}`);
    negated.signatures.push({
      ...negated.signatures[1]!,
      signature: sig.slice(0, 64) + (P256_ORDER - s).toString(16).padStart(64, '0'),
    });
    await expect(verifyPackage(negated, registry)).rejects.toMatchObject({
      code: 'SIGNATURE_MALFORMED',
    });
    const capitals = clone();
    capitals.signatures.push({ ...capitals.signatures[1]!, signature: sig.toUpperCase() });
    await expect(verifyPackage(capitals, registry)).rejects.toBeInstanceOf(ZkAttestError);
  });

  it('refuses a valid signature by a key outside the set', async () => {
    const outsider = await factory.signer(4);
    const [sig] = await factory.cosign(
      { ...set, signers: [...set.signers] },
      signedSnapshotOf(pkg).message,
      [4],
    );
    const tampered = clone();
    tampered.signatures = [tampered.signatures[0]!, sig!];
    expect(sig!.keyId).toBe(outsider.keyId);
    expect(await reasons(tampered)).toEqual(['SIGNER_NOT_IN_SET', 'THRESHOLD_NOT_MET']);
    // ...and the outsider written into the membership: the set is then another one.
    const smuggled = clone(tampered);
    smuggled.signerSet.keyIds = [...smuggled.signerSet.keyIds.slice(1), outsider.keyId].sort();
    expect(await reasons(smuggled)).toContain('SIGNER_SET_MISMATCH');
  });

  it('refuses a set id with another threshold', async () => {
    const lowered = clone();
    lowered.signerSet.threshold = 1;
    lowered.signatures = lowered.signatures.slice(0, 1);
    expect(await reasons(lowered)).toEqual(['SIGNER_SET_MISMATCH']);
    // The 1-of-3 id written into the snapshot too: the signatures were over the 2-of-3 id.
    lowered.snapshot.setId = signerSetId(1, lowered.signerSet.keyIds);
    expect(await reasons(lowered)).toEqual(['SIGNATURE_INVALID', 'THRESHOLD_NOT_MET']);
  });

  it('refuses an epoch or previous commitment edited after signing', async () => {
    const epoch = clone();
    epoch.snapshot.epoch += 1;
    expect(await reasons(epoch)).toEqual(['SIGNATURE_INVALID', 'THRESHOLD_NOT_MET']);
    const prev = clone();
    prev.snapshot.prevCommitment = 'ab'.repeat(32);
    expect(await reasons(prev)).toEqual(['SIGNATURE_INVALID', 'THRESHOLD_NOT_MET']);
  });
});

/** The set as a registry knows it, trusted from `validFrom` until `revokedAt`. */
function directoryOf(validFrom: number, revokedAt?: number, firstEpoch = 0): KeyDirectory {
  return {
    getSignerSet: async (id) =>
      id === set.setId
        ? {
            ...set,
            validFrom: iso(validFrom),
            ...(revokedAt === undefined ? {} : { revokedAt: iso(revokedAt) }),
            firstEpoch,
          }
        : undefined,
    getFxSource: async () => undefined,
  };
}

/** An in-memory ledger over chainAnswer (the API keeps the same in Redis). */
class MemoryLedger implements EpochChainLedger {
  readonly links = new Map<number, ChainLink>();
  readonly evidence: EquivocationEvidence[] = [];
  private readonly signed = new Map<number, ReturnType<typeof signedSnapshotOf>>();

  private view(link: ChainLink, firstEpoch: number) {
    const epochs = [...this.links.keys()];
    const head = epochs.length ? this.links.get(Math.max(...epochs)) : undefined;
    const atEpoch = this.links.get(link.epoch);
    return { firstEpoch, ...(head ? { head } : {}), ...(atEpoch ? { atEpoch } : {}) };
  }

  async peek(link: ChainLink, firstEpoch: number) {
    return chainAnswer(this.view(link, firstEpoch), link);
  }

  async append(link: ChainLink, firstEpoch: number, signed: ReturnType<typeof signedSnapshotOf>) {
    const answer = chainAnswer(this.view(link, firstEpoch), link);
    if (answer === 'extends') {
      this.links.set(link.epoch, link);
      this.signed.set(link.epoch, signed);
    }
    if (answer === 'equivocation') {
      this.evidence.push({
        setId: link.setId,
        epoch: link.epoch,
        recorded: this.signed.get(link.epoch)!,
        conflicting: signed,
        detectedAt: new Date().toISOString(),
      });
    }
    return answer;
  }
}

describe('verifyAttestation: the registered set and its epoch chain', () => {
  const policy = { ...DEFAULT_POLICY, requireChallenge: false };
  const check = (p: AttestationPackage, keys: KeyDirectory, chain?: EpochChainLedger) =>
    verifyAttestation(
      p,
      { registry, keys, policy, ...(chain ? { chain } : {}) },
      {
        consume: true,
        consumer: 'test',
      },
    );

  it('says who signed with the labels the registry gives', async () => {
    const verdict = await check(pkg, directoryOf(AS_OF - 10));
    expect(verdict.reasons).toEqual([]);
    expect(verdict.trust?.signerSet.summary).toBe('signed by 2 of 3: Custodian A, Trustee C');
  });

  it('refuses a set retired before the snapshot time, not one retired after it', async () => {
    expect((await check(pkg, directoryOf(AS_OF - 10, AS_OF))).reasons).toEqual([
      'SIGNER_SET_REVOKED',
    ]);
    expect((await check(pkg, directoryOf(AS_OF - 10, AS_OF + 1))).reasons).toEqual([]);
    expect((await check(pkg, directoryOf(AS_OF + 1))).reasons).toEqual([
      'SIGNER_SET_NOT_YET_VALID',
    ]);
  });

  it('keeps the chain: gap, rollback, broken link and equivocation refused, evidence kept', async () => {
    const keys = directoryOf(AS_OF - 100_000);
    const ledger = new MemoryLedger();
    const at = (epoch: number, asOf: number, prevCommitment?: string) =>
      factory.package({
        context: 9n,
        asOf,
        set,
        epoch,
        ...(prevCommitment ? { prevCommitment } : {}),
      });
    const commitmentOf = (p: AttestationPackage) => signedSnapshotOf(p).message.commitment;

    const e0 = await at(0, AS_OF - 3000);
    expect((await check(e0, keys, ledger)).reasons).toEqual([]);
    // The next epoch must name epoch 0's commitment.
    const broken = await at(1, AS_OF - 2000, 'ab'.repeat(32));
    expect((await check(broken, keys, ledger)).reasons).toEqual(['PREV_COMMITMENT_MISMATCH']);
    const gap = await at(2, AS_OF - 2000, commitmentOf(e0));
    expect((await check(gap, keys, ledger)).reasons).toEqual(['EPOCH_GAP']);
    const backdated = await at(1, AS_OF - 4000, commitmentOf(e0));
    expect((await check(backdated, keys, ledger)).reasons).toEqual(['EPOCH_ROLLBACK']);
    const e1 = await at(1, AS_OF - 2000, commitmentOf(e0));
    expect((await check(e1, keys, ledger)).reasons).toEqual([]);
    // Another claim on a recorded snapshot is the same link.
    expect((await check(e0, keys, ledger)).reasons).toEqual([]);

    // Another book signed for epoch 1: refused, and both signed messages kept.
    const other = await at(1, AS_OF - 1000, commitmentOf(e0));
    expect((await check(other, keys, ledger)).reasons).toEqual(['EQUIVOCATION']);
    expect(ledger.evidence).toHaveLength(1);
    const [evidence] = ledger.evidence;
    expect(checkSignatures(evidence!.recorded).reasons).toEqual([]);
    expect(checkSignatures(evidence!.conflicting).reasons).toEqual([]);
    expect(evidence!.recorded.message.epoch).toBe(evidence!.conflicting.message.epoch);
    expect(evidence!.recorded.message.asOf).not.toBe(evidence!.conflicting.message.asOf);
    expect([...ledger.links.keys()]).toEqual([0, 1]);
  });

  it('starts the chain at the set’s first epoch', async () => {
    const later = await factory.package({ context: 9n, asOf: AS_OF, set, epoch: 5 });
    expect(
      (await check(later, directoryOf(AS_OF - 10, undefined, 5), new MemoryLedger())).reasons,
    ).toEqual([]);
    expect(
      (await check(later, directoryOf(AS_OF - 10, undefined, 4), new MemoryLedger())).reasons,
    ).toEqual(['EPOCH_GAP']);
    expect(
      (await check(later, directoryOf(AS_OF - 10, undefined, 6), new MemoryLedger())).reasons,
    ).toEqual(['EPOCH_ROLLBACK']);
  });
});
