/**
 * The egress head: the onshore egress log's chain head (seq and hash of its newest entry) at
 * the moment a send was logged. It travels signed inside the transport envelope and the
 * offshore side records it with the attestation, so the log's state at each send is anchored
 * outside the custodian's reach (see src/prover/egress/egress-evidence.ts, reconcile).
 *
 * Wire form (a protected header member of the envelope): `<seq>:<64 lowercase hex>`; seq 0
 * with {@link GENESIS_HEAD_HASH} is the empty log.
 */

import { HEX64_PATTERN } from './ids';

/** The chain head a send committed to. */
export interface EgressHead {
  /** The seq of the newest entry, 0 for an empty log. */
  seq: number;
  /** That entry's hash, {@link GENESIS_HEAD_HASH} for an empty log. */
  hash: string;
}

/** The hash of the empty log's head (the first entry's prevHash). */
export const GENESIS_HEAD_HASH = '0'.repeat(64);

const WIRE = /^(0|[1-9][0-9]{0,15}):([0-9a-f]{64})$/;

/** Whether `value` is a well-formed head. */
export function isEgressHead(value: unknown): value is EgressHead {
  if (value === null || typeof value !== 'object') return false;
  const { seq, hash } = value as Partial<EgressHead>;
  return (
    Number.isSafeInteger(seq) &&
    (seq as number) >= 0 &&
    typeof hash === 'string' &&
    HEX64_PATTERN.test(hash) &&
    (seq !== 0 || hash === GENESIS_HEAD_HASH)
  );
}

/** The wire form of a head. */
export function formatEgressHead(head: EgressHead): string {
  return `${head.seq}:${head.hash}`;
}

/** Parses the wire form; undefined for anything else. */
export function parseEgressHead(text: unknown): EgressHead | undefined {
  const m = typeof text === 'string' ? WIRE.exec(text) : null;
  if (!m) return undefined;
  const head = { seq: Number(m[1]), hash: m[2]! };
  return isEgressHead(head) ? head : undefined;
}
