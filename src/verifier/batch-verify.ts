import { randomBytes } from 'node:crypto';
import * as snarkjs from 'snarkjs';
import type { Groth16Proof } from 'snarkjs';
import * as mcl from 'mcl-wasm';
import {
  batchEquationHolds,
  bInSubgroup,
  engineKey,
  importBySnarkjsRules,
  importProof,
  engineKernel,
  keyMillerProduct,
  verifyOnEngine,
  type EngineKey,
  type EngineProof,
} from './pairing-engine';
import type { ShareResult, ShareTask } from './pairing-kernel';
import { poolFor } from './pairing-pool';

/** One proof to check in a batch: its public signals in circuit order and the proof. */
export interface BatchVerifyItem {
  publicSignals: readonly string[];
  proof: Groth16Proof;
}

interface Entry {
  index: number;
  proof: EngineProof;
}

/**
 * Verifies many Groth16 proofs of ONE circuit (one verification key) at once.
 *
 * `result[i]` is what `snarkjs.groth16.verify(vk, items[i].publicSignals, items[i].proof)`
 * answers, except that an item snarkjs cannot read (wrong number of public signals, a
 * signal or coordinate that is not an integer string, a point of the wrong shape) is `false`
 * here where snarkjs would throw or zero-pad. The proofs that pass snarkjs's own screen are
 * checked together on the mcl engine (pairing-engine.ts): a random linear combination of
 * their verification equations, one Miller loop per proof plus three for the key, one final
 * exponentiation; a large batch's per-proof work is shared among a worker_threads pool
 * (pairing-pool.ts). A failing batch is bisected with fresh randomness down to single checks.
 * A pi_b outside the G2 subgroup, or a point at infinity, is answered by snarkjs alone.
 * Each passing batch check wrongly covers an invalid proof with probability below 2^-127.
 *
 * @param vk - a snarkjs Groth16 verification key (bn128). A malformed key throws a
 *   ZkAttestError (`ARTIFACT_MISMATCH`), even for an empty batch.
 * @param items - the proofs; an empty list answers `[]`.
 */
export async function batchVerify(
  vk: Record<string, unknown>,
  items: ReadonlyArray<BatchVerifyItem>,
): Promise<boolean[]> {
  const curve = await snarkjs.curves.getCurveFromName('bn128');
  const key = await engineKey(curve, vk);
  const results = items.map(() => false);
  const alone: number[] = [];
  const batchable: Entry[] = [];
  for (const [index, item] of items.entries()) {
    const fast = importProof(key, item);
    const read = fast === 'other' ? importBySnarkjsRules(curve, vk, item) : fast;
    if (read === 'reject') continue;
    if (read === 'alone') alone.push(index);
    else batchable.push({ index, proof: read });
  }

  // Answers for `group` (every pi_b known in the subgroup); resolves to true when it holds
  // an invalid proof. `knownBad` skips the whole-group batch when it is known to fail.
  const settle = async (group: Entry[], knownBad: boolean): Promise<boolean> => {
    if (group.length === 1) {
      const { index, proof } = group[0]!;
      results[index] = verifyOnEngine(key, proof);
      return !results[index];
    }
    if (!knownBad && (await batchHolds(key, group)).holds) {
      for (const { index } of group) results[index] = true;
      return false;
    }
    const mid = group.length >> 1;
    const leftBad = await settle(group.slice(0, mid), false);
    // A batch of valid proofs always holds, so this group holds a bad proof: if the left
    // half has none, it is on the right, and re-batching the right half would be wasted.
    await settle(group.slice(mid), !leftBad);
    return true;
  };

  // The first pass also tests every pi_b for the subgroup; those outside go to snarkjs.
  if (batchable.length === 1) {
    if (bInSubgroup(batchable[0]!.proof)) await settle(batchable, false);
  } else if (batchable.length > 1) {
    const { holds, inside } = await batchHolds(key, batchable);
    if (holds) for (const { index } of inside) results[index] = true;
    else await settle(inside, true);
  }
  for (const { index, proof } of batchable) if (proof.bInG2 === false) alone.push(index);
  for (const index of alone) {
    const item = items[index]!;
    results[index] = await snarkjs.groth16.verify(vk, item.publicSignals, item.proof);
  }
  return results;
}

/**
 * Whether every proof of `group` whose pi_b is in the subgroup (`inside`, testing the
 * untested ones) holds: always true when they all do; when one does not, true with
 * probability below 2^-127 (see batchEquationHolds). Fresh independent 128-bit r_i.
 */
async function batchHolds(
  key: EngineKey,
  group: Entry[],
): Promise<{ holds: boolean; inside: Entry[] }> {
  const rs = randomScalars(group.length);
  const proofs = group.map((e) => e.proof);
  const pooled = pooledProduct(group, rs);
  // While the pool's threads work, the key's part, for the usual case: every pi_b in G2.
  const keyForAll = keyMillerProduct(key, proofs, rs);
  const product = (await pooled) ?? inlineProduct(group, rs);
  const insidePositions = group.flatMap((e, i) => (e.proof.bInG2 ? [i] : []));
  const inside = insidePositions.map((i) => group[i]!);
  if (inside.length === 0) return { holds: true, inside };
  const keyPart =
    inside.length === group.length
      ? keyForAll
      : keyMillerProduct(
          key,
          inside.map((e) => e.proof),
          insidePositions.map((i) => rs[i]!),
        );
  return { holds: batchEquationHolds(product, keyPart), inside };
}

/** The share of `positions` in the group, as the kernel takes it. */
function shareOf(group: Entry[], rs: bigint[], positions: number[]): ShareTask {
  return {
    a: positions.map((i) => group[i]!.proof.aText),
    b: positions.map((i) => group[i]!.proof.bText),
    r: positions.map((i) => rs[i]!.toString()),
    checkB: positions.some((i) => group[i]!.proof.bInG2 === undefined),
  };
}

/** Multiplies the shares' Miller products, recording which pi_b are in the subgroup. */
function combine(group: Entry[], shares: number[][], answers: ShareResult[]): mcl.GT {
  let product: mcl.GT | undefined;
  shares.forEach((positions, s) => {
    const { product: bytes, outside } = answers[s]!;
    positions.forEach((i, k) => {
      group[i]!.proof.bInG2 = !outside.includes(k);
    });
    const part = new mcl.GT();
    part.deserialize(bytes);
    product = product ? mcl.mul(product, part) : part;
  });
  return product!;
}

function inlineProduct(group: Entry[], rs: bigint[]): mcl.GT {
  const all = group.map((_, i) => i);
  return combine(group, [all], [engineKernel().share(shareOf(group, rs, all))]);
}

/** The group's Miller product computed by the pool's threads, or undefined to go inline. */
async function pooledProduct(group: Entry[], rs: bigint[]): Promise<mcl.GT | undefined> {
  const pool = poolFor(group.length);
  if (!pool) return undefined;
  const shareSize = Math.ceil(group.length / pool.size);
  const shares: number[][] = [];
  for (let start = 0; start < group.length; start += shareSize) {
    shares.push(
      Array.from({ length: Math.min(shareSize, group.length - start) }, (_, k) => start + k),
    );
  }
  let answers: ShareResult[];
  try {
    answers = await pool.run(shares.map((positions) => shareOf(group, rs, positions)));
  } catch {
    return undefined; // a failed thread: the batch is computed inline instead
  }
  return combine(group, shares, answers);
}

/** Independent uniform 128-bit scalars, never 0 (a zero would drop its proof from the batch). */
function randomScalars(n: number): bigint[] {
  const out: bigint[] = [];
  while (out.length < n) {
    const r = BigInt(`0x${randomBytes(16).toString('hex')}`);
    if (r !== 0n) out.push(r);
  }
  return out;
}
