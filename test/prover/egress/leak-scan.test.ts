/**
 * The leak scan against statement v2 packages: they carry FX rates (long round numbers), P-256
 * keys and signatures, set ids and hashes (hex), proof coordinates (77-digit decimals). A
 * position value or identifier that merely occurs inside one of those is no leak; the same
 * value, identifier, asset id or salt written as a token of its own is one, wherever it is.
 */
import { clearForEgress, findLeaks, sensitiveStrings } from '../../../src/prover';
import { assetIdOf } from '../../../src/prover/snapshot/asset-id';
import type { Position, Snapshot } from '../../../src/prover/snapshot/snapshot-types';
import type { AttestationPackage } from '../../../src/common/attestation-package';
import { fakePackage } from '../../support/fake-package';
import { USD_CNY_HKD } from '../../support/onshore-harness';

const SALT = 0x5a17_5a17_5a17_5a17_5a17_5a17_5a17_5a17n;
const SIGNATURE = `${'9f'.repeat(20)}ab12cd${'7e'.repeat(10)}31415926${'7e'.repeat(27)}`;
const PROOF_X = '14282734692318776395103298107641562341179083456724017763109987654321';

function pos(identifier: string, value: bigint, currency = 'USD'): Position {
  return {
    identifier,
    assetId: assetIdOf(identifier),
    currency,
    decimals: 2,
    assetClass: 1,
    value,
    haircutBps: 0,
    yieldBps: 100,
  };
}

/** A v2 package with a signed three-currency table, real-shaped keys, signature and proof. */
function v2Package(overrides: Partial<AttestationPackage> = {}): AttestationPackage {
  const base = fakePackage();
  return fakePackage({
    publicSignals: {
      commitment: PROOF_X,
      statement: '340282366920938463463374607431768211455',
      fxTable: '2',
    },
    proof: { ...base.proof, pi_a: [PROOF_X, '2', '1'] },
    snapshot: { ...base.snapshot, currency: 'USD', setId: '0137900a'.repeat(8) },
    signatures: [
      {
        keyId: '1282000'.padEnd(64, 'f'),
        publicKey: { x: '00'.repeat(31) + '5e', y: 'ab'.repeat(32) },
        signature: SIGNATURE,
      },
    ],
    fx: {
      table: USD_CNY_HKD,
      source: {
        keyId: 'cd'.repeat(32),
        publicKey: { x: '12'.repeat(32), y: '34'.repeat(32) },
        asOf: 1_763_568_000,
        signature: '56'.repeat(64),
      },
    },
    ...overrides,
  });
}

/** The package's bytes as the egress sender scans them (after the guard). */
const bytesOf = (pkg: AttestationPackage) => clearForEgress(pkg).bytes;

describe('leak scan on v2 packages: no false positives', () => {
  const snapshot: Snapshot = {
    asOf: 1_763_568_000,
    currency: 'USD',
    decimals: 2,
    liabilities: 1n,
    positions: [
      // Inside the CNY rate 137900000000 and the HKD rate 128200000000.
      pos('CN-GOV-2030', 137_900n, 'CNY'),
      pos('HK-GOV-2029', 1_282_000n, 'HKD'),
      // Inside the identity rate 1000000000000.
      pos('US-DEP-1', 10_000_000n),
      // Inside a 68-digit proof coordinate and the statement.
      pos('US-TSY-1', 4_282_734_692n),
      pos('US-TSY-2', 4_634_633_746n),
      // Inside the proof coordinate again, and digits inside the signature's hex.
      pos('US-TSY-3', 179_083_456n),
      pos('US-TSY-4', 31_415_926n),
      // An identifier made of hex letters and digits, inside the signature.
      pos('AB12CD', 2_500_000n),
    ],
  };
  const sensitive = sensitiveStrings(snapshot, SALT, USD_CNY_HKD);

  it('finds nothing in a clean package whose numbers contain the values as substrings', () => {
    const text = bytesOf(v2Package()).toString('utf8');
    // The premise: each of these occurs in the package as a substring...
    for (const s of [
      '137900',
      '1282000',
      '10000000',
      '4282734692',
      '4634633746',
      '179083456',
      '31415926',
      'ab12cd',
    ]) {
      expect(text.toUpperCase()).toContain(s.toUpperCase());
    }
    // ...and none as a token of its own.
    expect(findLeaks(text, sensitive)).toEqual([]);
  });

  it('a value equal to a rate of the public table is not scanned for (it is public)', () => {
    const onRate = { ...snapshot, positions: [pos('CN-X', 137_900_000_000n, 'CNY')] };
    expect(sensitiveStrings(onRate, SALT, USD_CNY_HKD)).not.toContain('137900000000');
    // Without the table it would be.
    expect(sensitiveStrings(onRate, SALT)).toContain('137900000000');
  });
});

describe('leak scan on v2 packages: every identifier, value and the salt is still caught', () => {
  const positions = [pos('ACME-BOND-2031', 987_654_321n, 'CNY'), pos('HK-DEP-7', 555_555n, 'HKD')];
  const snapshot: Snapshot = { asOf: 1, currency: 'USD', decimals: 2, liabilities: 1n, positions };
  const sensitive = sensitiveStrings(snapshot, SALT, USD_CNY_HKD);
  const [acme] = positions;
  const base = v2Package();
  const hex64 = (n: bigint) => n.toString(16).padStart(64, '0');

  it.each<[string, AttestationPackage]>([
    ['an identifier as the circuit id (case folded)', v2Package({ circuitId: 'acme-bond-2031' })],
    [
      'a value as a rate',
      v2Package({
        fx: {
          table: { ...USD_CNY_HKD, rows: [{ currency: 'USD', decimals: 2, rate: '987654321' }] },
        },
      }),
    ],
    [
      'a value as a public signal',
      v2Package({
        publicSignals: { ...base.publicSignals, fxTable: '555555' },
      }),
    ],
    [
      'the salt as a public signal',
      v2Package({
        publicSignals: { ...base.publicSignals, commitment: SALT.toString() },
      }),
    ],
    [
      'the salt zero-padded into prevCommitment',
      v2Package({
        snapshot: { ...base.snapshot, prevCommitment: hex64(SALT) },
      }),
    ],
    [
      'an asset id (hex) as the allocations field',
      v2Package({
        snapshot: { ...base.snapshot, allocations: hex64(acme!.assetId) },
      }),
    ],
    [
      'an asset id (decimal) as a proof coordinate',
      v2Package({
        proof: { ...base.proof, pi_c: [acme!.assetId.toString(), '8', '1'] },
      }),
    ],
    [
      'the salt hex as the FX source keyId',
      v2Package({
        fx: { ...base.fx, source: { ...base.fx.source!, keyId: hex64(SALT) } },
      }),
    ],
  ])('%s', (_what, pkg) => {
    expect(findLeaks(bytesOf(pkg), sensitive)).not.toEqual([]);
  });

  it('catches values as written in text, in the position own decimals', () => {
    expect(findLeaks('{"note":"9876543.21"}', sensitive)).toEqual(['9876543.21']);
    expect(findLeaks('HK-DEP-7 5555.55', sensitive)).toEqual(['HK-DEP-7', '5555.55']);
    // A longer identifier is another identifier; a longer number another number.
    expect(findLeaks('HK-DEP-77 9876543210', sensitive)).toEqual([]);
  });
});
