import type { Groth16Proof } from 'snarkjs';
import { batchVerify } from './batch-verify';

interface Pending {
  publicSignals: readonly string[];
  proof: Groth16Proof;
  resolve(valid: boolean): void;
  reject(err: unknown): void;
}

interface Lane {
  vk: Record<string, unknown>;
  waiting: Pending[];
  busy: boolean;
}

/**
 * Coalesces proof checks into batch verifications, group-commit style: while one batch of a
 * key is being verified, the checks that arrive wait and go together in the next one. A lone
 * check goes at once (no timer); under load, batches grow by themselves and each proof costs
 * about one Miller loop instead of four pairings and a final exponentiation. Each answer is
 * exactly what a single verification would say (batchVerify isolates bad proofs).
 */
export class ProofBatcher {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly maxBatch = 64) {}

  /** Verifies one proof against the key identified by `keyId`, possibly within a batch. */
  verify(
    keyId: string,
    vk: Record<string, unknown>,
    publicSignals: readonly string[],
    proof: Groth16Proof,
  ): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let lane = this.lanes.get(keyId);
      if (!lane) {
        lane = { vk, waiting: [], busy: false };
        this.lanes.set(keyId, lane);
      }
      lane.waiting.push({ publicSignals, proof, resolve, reject });
      // Let the checks of this same tick join before the batch starts.
      if (!lane.busy) {
        lane.busy = true;
        setImmediate(() => this.run(lane));
      }
    });
  }

  private run(lane: Lane): void {
    const items = lane.waiting.splice(0, this.maxBatch);
    if (items.length === 0) {
      lane.busy = false;
      return;
    }
    batchVerify(lane.vk, items)
      .then(
        (answers) => items.forEach((item, i) => item.resolve(answers[i]!)),
        (err: unknown) => items.forEach((item) => item.reject(err)),
      )
      .finally(() => this.run(lane));
  }
}
