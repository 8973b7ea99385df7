import { claimCircuitInputs, type ClaimParams } from '../../claims';
import { ZkAttestError } from '../../common/errors';
import { MAX_CONTEXT } from '../../common/statement';
import type { SnapshotSignature } from '../snapshot/attestor-key';
import type { Snapshot } from '../snapshot/snapshot-types';

/** Validates a context: the verifier's challenge or a contract binding, at most 128 bits. */
export function validateContext(context: bigint): void {
  if (context < 0n || context > MAX_CONTEXT) {
    throw new ZkAttestError('CLAIM_PARAMS_INVALID', 'context must be an integer below 2^128', {
      param: 'context',
    });
  }
}

export interface WitnessRequest {
  snapshot: Snapshot;
  salt: bigint;
  publicKey: [bigint, bigint];
  signature: SnapshotSignature;
  params: ClaimParams;
  context: bigint;
  slots: number;
}

/** The circuit input (all signals as decimal strings), empty slots padded with zeros. */
export function circuitInput(req: WitnessRequest): Record<string, string | string[]> {
  const { snapshot, slots } = req;
  const column = (f: (i: number) => bigint | number) =>
    Array.from({ length: slots }, (_, i) => String(i < snapshot.positions.length ? f(i) : 0));
  const pos = (i: number) => snapshot.positions[i]!;
  return {
    assetId: column((i) => pos(i).assetId),
    assetClass: column((i) => pos(i).assetClass),
    value: column((i) => pos(i).value),
    haircutBps: column((i) => pos(i).haircutBps),
    yieldBps: column((i) => pos(i).yieldBps),
    liabilities: snapshot.liabilities.toString(),
    salt: req.salt.toString(),
    asOf: String(snapshot.asOf),
    attestorAx: req.publicKey[0].toString(),
    attestorAy: req.publicKey[1].toString(),
    sigR8x: req.signature.R8x.toString(),
    sigR8y: req.signature.R8y.toString(),
    sigS: req.signature.S.toString(),
    context: req.context.toString(),
    ...claimCircuitInputs(req.params, snapshot),
  };
}
