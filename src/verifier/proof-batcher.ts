import type { Groth16Proof } from 'snarkjs';
import { batchVerify } from './batch-verify';

interface Pending {
  publicSignals: readonly string[];
  proof: Groth16Proof;
  resolve(valid: boolean): void;
  reject(err: unknown): void;
}

interface Queue {
  vk: Record<string, unknown>;
  items: Pending[];
  timer?: NodeJS.Timeout;
}

/**
 * Coalesces proof checks that arrive close together into batch verifications: a server under
 * load pays about one Miller loop per proof instead of four pairings and a final
 * exponentiation. A lone request waits at most `maxWaitMs`. Each answer is exactly what a
 * single verification would say (batchVerify isolates bad proofs).
 */
export class ProofBatcher {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly opts: { maxBatch: number; maxWaitMs: number } = { maxBatch: 64, maxWaitMs: 2 },
  ) {}

  /** Verifies one proof against the key identified by `keyId`, possibly within a batch. */
  verify(
    keyId: string,
    vk: Record<string, unknown>,
    publicSignals: readonly string[],
    proof: Groth16Proof,
  ): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let queue = this.queues.get(keyId);
      if (!queue) {
        queue = { vk, items: [] };
        this.queues.set(keyId, queue);
      }
      queue.items.push({ publicSignals, proof, resolve, reject });
      if (queue.items.length >= this.opts.maxBatch) this.flush(keyId);
      else queue.timer ??= setTimeout(() => this.flush(keyId), this.opts.maxWaitMs);
    });
  }

  private flush(keyId: string): void {
    const queue = this.queues.get(keyId);
    if (!queue) return;
    this.queues.delete(keyId);
    if (queue.timer) clearTimeout(queue.timer);
    const items = queue.items;
    batchVerify(queue.vk, items).then(
      (answers) => items.forEach((item, i) => item.resolve(answers[i]!)),
      (err: unknown) => items.forEach((item) => item.reject(err)),
    );
  }
}
