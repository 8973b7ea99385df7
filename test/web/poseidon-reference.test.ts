/**
 * The page's one-width Poseidon (constants generated from circomlibjs' file at build time)
 * hashes exactly as circomlibjs does, and so does the FX table hash built on it.
 */
import { randomBytes } from 'node:crypto';
import { fxTableHash } from '../../src/common/fx-table';
import { loadPoseidon } from '../../src/common/poseidon';
import { poseidonT10Constants } from '../../src/web-build/browser-twins';
import { ROOT } from '../../src/web-build/page-dir';
import { fxTableParts } from '../../src/common/fx-table';
import { poseidonOfWidth } from '../../src/web/verify/poseidon-reference';

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

describe('the page’s Poseidon', () => {
  it('equals circomlibjs on 9 inputs, random and edge values', async () => {
    const reference = await loadPoseidon();
    const page = poseidonOfWidth(poseidonT10Constants(ROOT));
    const inputs = [
      new Array<bigint>(9).fill(0n),
      new Array<bigint>(9).fill(R - 1n),
      ...Array.from({ length: 5 }, () =>
        Array.from({ length: 9 }, () => BigInt(`0x${randomBytes(31).toString('hex')}`)),
      ),
    ];
    for (const x of inputs) expect(page(x)).toBe(reference(x));
    expect(() => page([1n])).toThrow(RangeError);
  });

  it('gives an FX table the hash the circuits and the server give it', async () => {
    const table = {
      reporting: { currency: 'USD', decimals: 2 },
      rows: [
        { currency: 'CNY', decimals: 2, rate: '137900000000' },
        { currency: 'HKD', decimals: 2, rate: '128100000000' },
        { currency: 'USD', decimals: 2, rate: '1000000000000' },
      ],
    };
    const page = poseidonOfWidth(poseidonT10Constants(ROOT));
    expect(fxTableParts(page, table).hash).toBe(await fxTableHash(table));
  });
});
