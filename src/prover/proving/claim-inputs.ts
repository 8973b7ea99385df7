import type { ClaimName } from '../../common/artifact-manifest';
import { ZkAttestError } from '../../common/errors';
import { MAX_CONTEXT } from '../../common/statement';
import type { SnapshotSignature } from '../snapshot/attestor-key';
import type { Snapshot } from '../snapshot/snapshot-types';

/** What a custodian asks to prove, with the claim's public parameters. */
export type ClaimParams =
  | { claim: 'coverage'; minCoverageBps: number }
  | { claim: 'yield-range'; minYieldBps: number; maxYieldBps: number }
  | { claim: 'concentration'; maxShareBps: number; allowedClasses: bigint };

const UINT16_MAX = 0xffff;
/** Asset classes are 0..15: the eligibility mask has 16 bits. */
export const ALL_CLASSES = (1n << 16n) - 1n;

function bps(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new ZkAttestError('CLAIM_PARAMS_INVALID', `${name} must be an integer in 0..${max}`, {
      param: name,
    });
  }
}

/** Checks a claim's parameters against what its circuit can carry. */
export function validateClaimParams(params: ClaimParams): void {
  switch (params.claim) {
    case 'coverage':
      bps('minCoverageBps', params.minCoverageBps, UINT16_MAX);
      return;
    case 'yield-range':
      bps('minYieldBps', params.minYieldBps, UINT16_MAX);
      bps('maxYieldBps', params.maxYieldBps, UINT16_MAX);
      if (params.minYieldBps > params.maxYieldBps) {
        throw new ZkAttestError('CLAIM_PARAMS_INVALID', 'minYieldBps must not exceed maxYieldBps', {
          param: 'minYieldBps',
        });
      }
      return;
    case 'concentration':
      bps('maxShareBps', params.maxShareBps, 10000);
      if (params.allowedClasses < 0n || params.allowedClasses > ALL_CLASSES) {
        throw new ZkAttestError(
          'CLAIM_PARAMS_INVALID',
          'allowedClasses must be a 16-bit mask (classes 0..15)',
          {
            param: 'allowedClasses',
          },
        );
      }
      return;
  }
}

/** Validates a context: the verifier's challenge or a contract binding, at most 128 bits. */
export function validateContext(context: bigint): void {
  if (context < 0n || context > MAX_CONTEXT) {
    throw new ZkAttestError('CLAIM_PARAMS_INVALID', 'context must be an integer below 2^128', {
      param: 'context',
    });
  }
}

/**
 * Whether the snapshot satisfies the claim, computed in plain integers exactly as the circuit
 * does. Proving a false claim fails deep inside the witness calculator; this says so first.
 */
export function claimHolds(snapshot: Snapshot, params: ClaimParams): boolean {
  const ps = snapshot.positions;
  const total = ps.reduce((s, p) => s + p.value, 0n);
  switch (params.claim) {
    case 'coverage': {
      const weighted = ps.reduce((s, p) => s + p.value * BigInt(10000 - p.haircutBps), 0n);
      return weighted >= BigInt(params.minCoverageBps) * snapshot.liabilities;
    }
    case 'yield-range': {
      const weighted = ps.reduce((s, p) => s + p.value * BigInt(p.yieldBps), 0n);
      return (
        total > 0n &&
        BigInt(params.minYieldBps) * total <= weighted &&
        weighted <= BigInt(params.maxYieldBps) * total
      );
    }
    case 'concentration':
      return (
        total > 0n &&
        ps.every(
          (p) =>
            p.value * 10000n <= BigInt(params.maxShareBps) * total &&
            (p.value === 0n || ((params.allowedClasses >> BigInt(p.assetClass)) & 1n) === 1n),
        )
      );
  }
}

/** The claim's paramA and paramB, as packed into the statement signal. */
export function statementParams(snapshot: Snapshot, params: ClaimParams): [bigint, bigint] {
  switch (params.claim) {
    case 'coverage':
      return [BigInt(params.minCoverageBps), snapshot.liabilities];
    case 'yield-range':
      return [BigInt(params.minYieldBps), BigInt(params.maxYieldBps)];
    case 'concentration':
      return [BigInt(params.maxShareBps), params.allowedClasses];
  }
}

/** The circuit's input signal names of paramA and paramB, per claim. */
const PARAM_SIGNALS: Record<ClaimName, [string, string | undefined]> = {
  coverage: ['minCoverageBps', undefined], // liabilities is already a snapshot input
  'yield-range': ['minYieldBps', 'maxYieldBps'],
  concentration: ['maxShareBps', 'allowedClasses'],
};

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
  const [paramA, paramB] = statementParams(snapshot, req.params);
  const [nameA, nameB] = PARAM_SIGNALS[req.params.claim];
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
    [nameA]: paramA.toString(),
    ...(nameB ? { [nameB]: paramB.toString() } : {}),
  };
}
