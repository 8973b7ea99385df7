import { claimCircuitInputs, type ClaimParams } from '../../claims';
import { ZkAttestError } from '../../common/errors';
import { MAX_CONTEXT } from '../../common/statement';
import type { FxBook } from './fx-book';

/** Validates a context: the verifier's challenge or a contract binding, at most 128 bits. */
export function validateContext(context: bigint): void {
  if (context < 0n || context > MAX_CONTEXT) {
    throw new ZkAttestError('CLAIM_PARAMS_INVALID', 'context must be an integer below 2^128', {
      param: 'context',
    });
  }
}

export interface WitnessRequest {
  book: FxBook;
  salt: bigint;
  params: ClaimParams;
  context: bigint;
  slots: number;
}

/** The circuit input (all signals as decimal strings), empty slots padded with zeros. */
export function circuitInput(req: WitnessRequest): Record<string, string | string[]> {
  const { book, slots } = req;
  const column = (f: (i: number) => bigint | number) =>
    Array.from({ length: slots }, (_, i) => String(i < book.positions.length ? f(i) : 0));
  const pos = (i: number) => book.positions[i]!;
  return {
    assetId: column((i) => pos(i).assetId),
    assetClass: column((i) => pos(i).assetClass),
    currency: column((i) => pos(i).currencyIndex),
    value: column((i) => pos(i).value),
    haircutBps: column((i) => pos(i).haircutBps),
    yieldBps: column((i) => pos(i).yieldBps),
    liabilities: book.liabilities.toString(),
    salt: req.salt.toString(),
    fxMeta: book.meta.toString(),
    fxRate: book.rates.map(String),
    context: req.context.toString(),
    ...claimCircuitInputs(req.params, book),
  };
}
