/**
 * The browser's twin of checkSignatures (src/common/signed-snapshot.ts): the same message
 * bytes (the shared snapshot-message.ts), the same rules in the same order, with P-256
 * verified by crypto.subtle instead of node:crypto. test/web/signature-twin.test.ts runs both
 * on the same cases and expects the same answers.
 */
import type { SignatureCheck, SignatureReason, SignedSnapshot } from '../../common/signed-snapshot';
import { signerSetId, snapshotMessage } from '../../common/snapshot-message';
import { checkSignatureEncoding, importP256, keyIdOfHex, verifyP256 } from './p256-subtle';
import { sha256Bytes, toHex } from './web-crypto';

/** The bytes the set signed (messageBytes of signed-snapshot.ts, which needs node:crypto). */
export function snapshotMessageBytes(m: SignedSnapshot['message']): Uint8Array {
  return snapshotMessage({
    ...m,
    epoch: BigInt(m.epoch),
    commitment: BigInt(`0x${m.commitment}`),
    fxTableHash: BigInt(m.fxTableHash),
  });
}

/** @throws ZkAttestError KEY_MALFORMED, SIGNATURE_MALFORMED (high s included), as checkSignatures. */
export async function checkSignaturesInBrowser(signed: SignedSnapshot): Promise<SignatureCheck> {
  const { message, signerSet, signatures } = signed;
  const reasons = new Set<SignatureReason>();
  if (signerSetId(signerSet.threshold, signerSet.keyIds) !== message.setId) {
    reasons.add('SIGNER_SET_MISMATCH');
  }
  const bytes = snapshotMessageBytes(message);
  const members = new Set(signerSet.keyIds);
  const seen = new Set<string>();
  const signers: string[] = [];
  for (const [i, s] of signatures.entries()) {
    await importP256(s.publicKey, `signatures.${i}.publicKey`);
    checkSignatureEncoding(s.signature, `signatures.${i}.signature`);
  }
  for (const s of signatures) {
    if (seen.has(s.keyId)) {
      reasons.add('SIGNER_DUPLICATE');
      continue;
    }
    seen.add(s.keyId);
    if (!members.has(s.keyId)) reasons.add('SIGNER_NOT_IN_SET');
    else if (
      (await keyIdOfHex(s.publicKey)) === s.keyId &&
      (await verifyP256(s.publicKey, bytes, s.signature))
    ) {
      signers.push(s.keyId);
    } else reasons.add('SIGNATURE_INVALID');
  }
  if (signers.length < signerSet.threshold) reasons.add('THRESHOLD_NOT_MET');
  return { digest: toHex(await sha256Bytes(bytes)), signers, reasons: [...reasons] };
}
