import { join } from 'node:path';
import { CLAIMS as REGISTERED_CLAIMS } from '../../../src/claims';
import { packageId } from '../../../src/common/attestation-package';
import { unpackStatement } from '../../../src/common/statement';
import {
  ClaimProver,
  clearForEgress,
  findLeaks,
  fxBook,
  loadPrimitives,
  loadSnapshotFile,
  randomSalt,
  sensitiveStrings,
  snapshotCommitment,
  type ClaimParams,
  type Primitives,
  type ProveResult,
} from '../../../src/prover';
import { VerificationKeyRegistry, verifyPackage } from '../../../src/verifier';
import type { Signer } from '../../../src/common/p256-signer';
import { CNY_HKD_USD, testSigner } from '../../fixtures';

const SAMPLE = join(__dirname, '..', '..', '..', 'examples', 'snapshot.csv');
/** Every registered claim, proved with its descriptor's example parameters. */
const CLAIMS = REGISTERED_CLAIMS.map(
  (d) => ({ claim: d.name, ...d.example.params }) as ClaimParams,
);

let p: Primitives;
let prover: ClaimProver;
let signer: Signer;
const salt = randomSalt();
const context = 0xfeedn;
const results = new Map<string, ProveResult>();
const snapshot = loadSnapshotFile(SAMPLE);

beforeAll(async () => {
  p = await loadPrimitives();
  prover = new ClaimProver(p);
  signer = await testSigner();
  for (const params of CLAIMS) {
    results.set(params.claim, await prover.prove({ snapshot, salt, signer, params, context }));
  }
});

describe('ClaimProver on the committed artifacts', () => {
  it.each(CLAIMS.map((c) => c.claim))(
    '%s: proves a package the verifier accepts',
    async (claim) => {
      const { package: pkg } = results.get(claim)!;
      const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
      const verdict = await verifyPackage(pkg, registry);
      expect(verdict).toMatchObject({ valid: true, claim, reasons: [] });
      expect(verdict.publicValues?.context).toBe(context.toString());
      expect(verdict.publicValues?.asOf).toBe(snapshot.asOf);
    },
  );

  it('binds all three claims to one signed snapshot: same commitment, unit, signer and table', () => {
    const book = fxBook(p, snapshot);
    const expected = snapshotCommitment(p, book, salt, 32).toString();
    for (const { package: pkg } of results.values()) {
      expect(pkg.publicSignals.commitment).toBe(expected);
      expect(pkg.publicSignals.fxTable).toBe(book.tableHash.toString());
      expect(pkg.snapshot).toMatchObject({ asOf: snapshot.asOf, currency: 'CNY', decimals: 2 });
      expect(pkg.signatures.map((s) => s.keyId)).toEqual([signer.keyId]);
      expect(pkg.fx).toEqual({ table: book.table });
    }
  });

  it('refuses a book whose currencies the FX table does not cover, or in another unit', async () => {
    const params = { claim: 'coverage' as const, minCoverageBps: 10000 };
    const inEur = {
      ...snapshot,
      positions: snapshot.positions.map((x, i) => (i === 0 ? { ...x, currency: 'EUR' } : x)),
    };
    await expect(
      prover.prove({ snapshot: inEur, salt, signer, params, context, fx: { table: CNY_HKD_USD } }),
    ).rejects.toMatchObject({ code: 'FX_CURRENCY_MISSING' });
    // Without a table, the identity table of the reporting unit: EUR has no row either.
    await expect(
      prover.prove({ snapshot: inEur, salt, signer, params, context }),
    ).rejects.toMatchObject({ code: 'FX_CURRENCY_MISSING' });
    const inUsd = { ...snapshot, currency: 'USD' };
    await expect(
      prover.prove({ snapshot: inUsd, salt, signer, params, context, fx: { table: CNY_HKD_USD } }),
    ).rejects.toMatchObject({ code: 'FX_TABLE_INVALID' });
    const jpyDecimals = {
      ...snapshot,
      positions: snapshot.positions.map((x, i) =>
        i === 0 ? { ...x, currency: 'USD', decimals: 0 } : x,
      ),
    };
    await expect(
      prover.prove({
        snapshot: jpyDecimals,
        salt,
        signer,
        params,
        context,
        fx: { table: CNY_HKD_USD },
      }),
    ).rejects.toMatchObject({ code: 'FX_TABLE_INVALID', details: { field: 'rows[2].decimals' } });
  });

  it('packs the coverage parameters into the statement', () => {
    const { package: pkg } = results.get('coverage')!;
    expect(unpackStatement(BigInt(pkg.publicSignals.statement))).toEqual({
      context,
      paramA: 12000n,
      paramB: snapshot.liabilities,
    });
  });

  it('refuses a claim the snapshot does not satisfy, before proving', async () => {
    const params = { claim: 'coverage' as const, minCoverageBps: 13000 };
    await expect(prover.prove({ snapshot, salt, signer, params, context })).rejects.toMatchObject({
      code: 'CLAIM_NOT_SATISFIED',
    });
  });

  it('refuses out-of-range parameters and contexts with coded errors', async () => {
    const bad: Array<[ClaimParams, bigint]> = [
      [{ claim: 'coverage', minCoverageBps: 65536 }, 1n],
      [{ claim: 'yield-range', minYieldBps: 400, maxYieldBps: 200 }, 1n],
      [{ claim: 'concentration', maxShareBps: 10001, allowedClasses: [0] }, 1n],
      [{ claim: 'concentration', maxShareBps: 100, allowedClasses: [16] }, 1n],
      [{ claim: 'concentration', maxShareBps: 100, allowedClasses: [] }, 1n],
      [{ claim: 'coverage', minCoverageBps: 100 }, 1n << 128n],
    ];
    for (const [params, ctx] of bad) {
      await expect(
        prover.prove({ snapshot, salt, signer, params, context: ctx }),
      ).rejects.toMatchObject({
        code: 'CLAIM_PARAMS_INVALID',
      });
    }
  });
});

describe('the attestation package and the egress guard', () => {
  it('contains no raw value, identifier, asset id or salt of the snapshot', () => {
    const sensitive = sensitiveStrings(snapshot, salt);
    expect(sensitive.length).toBeGreaterThan(3 * snapshot.positions.length);
    for (const { package: pkg } of results.values()) {
      const cleared = clearForEgress(pkg);
      expect(findLeaks(cleared.bytes, sensitive)).toEqual([]);
    }
  });

  it('the leak scan itself finds a planted value', () => {
    const sensitive = sensitiveStrings(snapshot, salt);
    const planted = JSON.stringify({ note: snapshot.positions[3]!.identifier });
    expect(findLeaks(planted, sensitive)).toEqual([snapshot.positions[3]!.identifier]);
  });

  it('the leak scan finds an identifier in another case or width, and the salt in upper-case hex', () => {
    const sensitive = sensitiveStrings(snapshot, salt);
    const id = snapshot.positions[3]!.identifier;
    const fullWidth = [...id.toLowerCase()]
      .map((c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c))
      .join('');
    for (const spelling of [id.toLowerCase(), fullWidth]) {
      expect(findLeaks(JSON.stringify({ note: spelling }), sensitive)).toEqual([id]);
    }
    const hex = JSON.stringify({ note: salt.toString(16).toUpperCase() });
    expect(findLeaks(hex, sensitive)).toEqual([salt.toString(16)]);
  });

  it('clears a package and returns its exact bytes and id', () => {
    const { package: pkg } = results.get('coverage')!;
    const cleared = clearForEgress(pkg);
    expect(JSON.parse(cleared.bytes.toString('utf8'))).toEqual(pkg);
    expect(cleared.id).toBe(packageId(pkg));
  });

  it.each([
    ['an unknown top-level field', (pkg: Record<string, unknown>) => ({ ...pkg, positions: [] })],
    [
      'an unknown field in the public signals',
      (pkg: Record<string, unknown>) => ({
        ...pkg,
        publicSignals: { ...(pkg.publicSignals as object), salt: '1' },
      }),
    ],
    [
      'an unknown field in the proof',
      (pkg: Record<string, unknown>) => ({
        ...pkg,
        proof: { ...(pkg.proof as object), debug: 'x' },
      }),
    ],
    ['a missing proof', ({ proof: _proof, ...rest }: Record<string, unknown>) => rest],
    [
      'a public signal >= r',
      (pkg: Record<string, unknown>) => ({
        ...pkg,
        publicSignals: {
          ...(pkg.publicSignals as object),
          statement:
            '21888242871839275222246405745257275088548364400416034343698204186575808495617',
        },
      }),
    ],
    ['a non-object', () => 'hello'],
  ])('refuses %s', (_name, mutate) => {
    const pkg = results.get('coverage')!.package as unknown as Record<string, unknown>;
    expect(() => clearForEgress(mutate(pkg))).toThrow(
      expect.objectContaining({ code: 'EGRESS_REFUSED' }),
    );
  });
});
