import {
  checkSignatures,
  detachedSignatureReason,
  messageFile,
  parseDetachedSignature,
  parseMessageFile,
  parseSignedSnapshot,
  SIGNATURE_FILE_TYPE,
  snapshotDigest,
  type SignedSnapshot,
  type SnapshotMessageJson,
} from '../../src/common/signed-snapshot';
import { setMembership } from '../../src/common/signer-set';
import { AttestationFactory } from '../support/attestation-factory';

let factory: AttestationFactory;
let message: SnapshotMessageJson;
let signed: SignedSnapshot;

beforeAll(async () => {
  factory = await AttestationFactory.create();
  const set = await factory.signerSet(2, [1, 2, 3]);
  message = {
    setId: set.setId,
    epoch: 3,
    prevCommitment: '11'.repeat(32),
    commitment: '22'.repeat(32),
    asOf: 1_790_000_000,
    currency: 'USD',
    decimals: 2,
    fxTableHash: '12345',
    allocations: '00'.repeat(32),
    chunks: 0,
  };
  signed = {
    message,
    signerSet: setMembership(set),
    signatures: await factory.cosign(set, message, [2, 3]),
  };
});

describe('signed snapshots', () => {
  it('checks k distinct members and gives the message digest', () => {
    expect(checkSignatures(signed)).toEqual({
      digest: snapshotDigest(message),
      signers: signed.signatures.map((s) => s.keyId),
      reasons: [],
    });
    expect(parseSignedSnapshot(JSON.parse(JSON.stringify(signed)))).toEqual(signed);
  });

  it('refuses every field edited after signing', () => {
    const edits: Array<Partial<SnapshotMessageJson>> = [
      { epoch: 4 },
      { prevCommitment: '12'.repeat(32) },
      { commitment: '23'.repeat(32) },
      { asOf: 1_790_000_001 },
      { currency: 'EUR' },
      { decimals: 3 },
      { fxTableHash: '12346' },
      { allocations: '01'.repeat(32) },
      { chunks: 1 },
    ];
    for (const edit of edits) {
      const r = checkSignatures({ ...signed, message: { ...message, ...edit } }).reasons;
      expect(r).toEqual(['SIGNATURE_INVALID', 'THRESHOLD_NOT_MET']);
    }
  });

  it('refuses malformed signed snapshots naming fields, not values', () => {
    const unsorted = {
      ...signed,
      signerSet: { ...signed.signerSet, keyIds: [...signed.signerSet.keyIds].reverse() },
    };
    expect(() => parseSignedSnapshot(unsorted)).toThrow(/signerSet\.keyIds/);
    const extra = { ...signed, note: 'x' };
    expect(() => parseSignedSnapshot(extra)).toThrow(
      expect.objectContaining({ code: 'SIGNED_SNAPSHOT_INVALID' }),
    );
    const tooHigh = { ...signed, signerSet: { ...signed.signerSet, threshold: 4 } };
    expect(() => parseSignedSnapshot(tooHigh)).toThrow(/signerSet\.threshold/);
  });

  it('message files carry their digest; an edited one is refused', () => {
    const file = messageFile(message);
    expect(parseMessageFile(JSON.parse(JSON.stringify(file)))).toEqual(file);
    const edited = { ...file, message: { ...message, asOf: message.asOf + 1 } };
    expect(() => parseMessageFile(edited)).toThrow(
      expect.objectContaining({ code: 'SIGNED_SNAPSHOT_INVALID' }),
    );
  });

  it('judges one detached signature at a time', () => {
    const s = signed.signatures[0]!;
    const detached = parseDetachedSignature({
      type: SIGNATURE_FILE_TYPE,
      setId: message.setId,
      digest: snapshotDigest(message),
      ...s,
    });
    const keyIds = signed.signerSet.keyIds;
    expect(detachedSignatureReason(detached, message, keyIds)).toBeUndefined();
    expect(detachedSignatureReason(detached, { ...message, epoch: 9 }, keyIds)).toBe(
      'DIGEST_MISMATCH',
    );
    expect(
      detachedSignatureReason(
        detached,
        message,
        keyIds.filter((k) => k !== s.keyId),
      ),
    ).toBe('SIGNER_NOT_IN_SET');
    const forged = { ...detached, signature: signed.signatures[1]!.signature };
    expect(detachedSignatureReason(forged, message, keyIds)).toBe('SIGNATURE_INVALID');
  });

  it('the prover refuses co-signatures short of the threshold before proving', async () => {
    const set = await factory.signerSet(2, [1, 2, 3]);
    await expect(factory.package({ context: 1n, set, signWith: [1] })).rejects.toMatchObject({
      code: 'SNAPSHOT_SIGNATURES_REFUSED',
    });
  });
});
