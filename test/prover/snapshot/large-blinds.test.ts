import { createHash } from 'node:crypto';
import { SNARK_SCALAR_FIELD } from '../../../src/common/field';
import {
  accumulatorChain,
  derivedBlinds,
  fxBook,
  LARGE_BLIND_DOMAIN,
  loadPrimitives,
  planLargeBook,
  type Primitives,
} from '../../../src/prover';
import { largePositions } from '../../circuits/large-book-fixtures';
import { CNY_HKD_USD, SALT, snapshot } from '../../fixtures';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

describe('derived chunk blinds (LARGESPEC §7)', () => {
  it('are Poseidon(salt, k + 1, domain), the domain sha256("zkattest.large-book.blind.v1") >> 8', () => {
    const digest = createHash('sha256').update('zkattest.large-book.blind.v1').digest('hex');
    expect(LARGE_BLIND_DOMAIN).toBe(BigInt(`0x${digest}`) >> 8n);
    expect(LARGE_BLIND_DOMAIN < SNARK_SCALAR_FIELD).toBe(true);
    const blinds = derivedBlinds(p, SALT, 4);
    expect(blinds).toEqual([1n, 2n, 3n, 4n].map((k) => p.poseidon([SALT, k, LARGE_BLIND_DOMAIN])));
    expect(new Set(blinds).size).toBe(4);
    expect(derivedBlinds(p, SALT + 1n, 4)[0]).not.toBe(blinds[0]);
  });

  it('make the accumulator chain a function of (book, salt): the same on every worker', () => {
    const plan = planLargeBook(p, fxBook(p, snapshot(largePositions(40), 10n), CNY_HKD_USD), SALT);
    const once = accumulatorChain(p, plan, derivedBlinds(p, SALT, plan.chunks));
    const twice = accumulatorChain(p, plan, derivedBlinds(p, SALT, plan.chunks));
    expect(twice.accs).toEqual(once.accs);
    expect(once.blinds[0]).toBe(0n);
  });
});
