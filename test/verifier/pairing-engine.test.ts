import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import type { Curve } from 'snarkjs';
import * as mcl from 'mcl-wasm';
import { loadManifest } from '../../src/common/artifact-manifest';
import { PUBLIC_SIGNAL_ORDER } from '../../src/common/attestation-package';
import { BN254_BASE_FIELD as Q, SNARK_SCALAR_FIELD as R } from '../../src/common/field';
import { terminateSnarkjsCurve } from '../../src/common/snarkjs-teardown';
import { ClaimProver, loadPrimitives, loadSnapshotFile, randomSalt } from '../../src/prover';
import { batchVerify, VerificationKeyRegistry, type BatchVerifyItem } from '../../src/verifier';
import { engineKey, loadMcl } from '../../src/verifier/pairing-engine';
import { closePairingPool, configurePairingPool } from '../../src/verifier/pairing-pool';
import { verifyProof } from '../../src/verifier/verify-proof';
import { testSigner } from '../fixtures';
import { rerandomize } from '../support/rerandomize';

// The mcl engine against snarkjs.groth16.verify, side by side: valid, tampered and hostile
// proofs, alone and in batches (inline and on the worker pool), must get snarkjs's answers.

const STATEMENTS = 4;
const BATCH = 32;
let vk: Record<string, unknown>;
let curve: Curve;
/** 32 valid proofs: 4 statements, each proved once and re-randomised 7 times. */
let valid: BatchVerifyItem[];

type Json = unknown;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const item = (k: number, edit: (proof: Record<string, Json>, signals: Json[]) => void) => {
  const copy = clone(valid[k]!) as unknown as {
    proof: Record<string, Json>;
    publicSignals: Json[];
  };
  edit(copy.proof, copy.publicSignals);
  return copy as unknown as BatchVerifyItem;
};
const coords = (proof: Record<string, Json>, key: 'pi_a' | 'pi_b' | 'pi_c') => proof[key] as Json[];
const g1Neg = (p: Json[]) => [p[0], (Q - BigInt(p[1] as string)).toString(), p[2]];
const g2Neg = (p: Json[]) => {
  const [x, y, z] = p as string[][];
  return [x, y!.map((c) => ((Q - BigInt(c)) % Q).toString()), z];
};

/** snarkjs's answer; an item it throws on is false (batchVerify's documented reading). */
async function snarkjsAnswer(it: BatchVerifyItem): Promise<boolean> {
  try {
    return await snarkjs.groth16.verify(vk, it.publicSignals, it.proof);
  } catch {
    return false;
  }
}

/** A point on the G2 twist outside the order-r subgroup. */
function twistPointOutsideG2(): string[][] {
  const { F2, G2 } = curve;
  for (let k = 1n; ; k++) {
    const x = F2.fromObject([k, 3n]);
    const rhs = F2.add(F2.mul(F2.square(x), x), G2.b);
    if (!F2.isSquare(rhs)) continue;
    const point = new Uint8Array(4 * curve.F1.n8);
    point.set(x);
    point.set(F2.sqrt(rhs), x.length);
    if (G2.isZero(G2.timesScalar(point, curve.r))) continue;
    const [px, py] = G2.toObject(point).map((c) => c.map(String));
    return [px!, py!, ['1', '0']];
  }
}

beforeAll(async () => {
  const p = await loadPrimitives();
  const snapshot = loadSnapshotFile(join(__dirname, '..', '..', 'examples', 'snapshot.csv'));
  const prover = new ClaimProver(p);
  const salt = randomSalt();
  const signer = await testSigner();
  const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
  vk = registry.get('coverage-32', loadManifest().circuits['coverage-32']!.vkeyHash).vk;
  curve = await snarkjs.curves.getCurveFromName('bn128');
  valid = [];
  for (let i = 0; i < STATEMENTS; i++) {
    const { package: pkg } = await prover.prove({
      snapshot,
      salt,
      signer,
      params: { claim: 'coverage', minCoverageBps: 12000 },
      context: 0xe9e0n + BigInt(i),
    });
    const publicSignals = PUBLIC_SIGNAL_ORDER.map((n) => pkg.publicSignals[n]);
    valid.push({ publicSignals, proof: pkg.proof });
    for (let j = 1; j < BATCH / STATEMENTS; j++) {
      valid.push({ publicSignals, proof: await rerandomize(vk, pkg.proof) });
    }
  }
});

afterEach(() => configurePairingPool({}));
afterAll(terminateSnarkjsCurve);

const signalCases: Array<[string, (k: number) => BatchVerifyItem]> = [0, 1, 2].map((j) => [
  `public signal ${j} + 1`,
  (k) => item(k, (_p, s) => (s[j] = ((BigInt(s[j] as string) + 1n) % R).toString())),
]);

const tampered: Array<[string, (k: number) => BatchVerifyItem]> = [
  ['valid', (k) => valid[k]!],
  [
    '(-A, -B, C), still valid',
    (k) =>
      item(k, (p) => {
        p.pi_a = g1Neg(coords(p, 'pi_a'));
        p.pi_b = g2Neg(coords(p, 'pi_b'));
      }),
  ],
  ...signalCases,
  ['A and C swapped', (k) => item(k, (p) => ([p.pi_a, p.pi_c] = [p.pi_c, p.pi_a]))],
  ['A negated', (k) => item(k, (p) => (p.pi_a = g1Neg(coords(p, 'pi_a'))))],
  ['B negated', (k) => item(k, (p) => (p.pi_b = g2Neg(coords(p, 'pi_b'))))],
  ['C negated', (k) => item(k, (p) => (p.pi_c = g1Neg(coords(p, 'pi_c'))))],
  [
    'B from another statement',
    (k) => item(k, (p) => (p.pi_b = clone(valid[(k + 8) % BATCH]!.proof.pi_b))),
  ],
  [
    'A.x + 1 (off the curve)',
    (k) =>
      item(k, (p) => {
        const a = coords(p, 'pi_a');
        a[0] = (BigInt(a[0] as string) + 1n).toString();
      }),
  ],
  [
    'B.y.c1 + 1 (off the twist)',
    (k) =>
      item(k, (p) => {
        const y = coords(p, 'pi_b')[1] as string[];
        y[1] = ((BigInt(y[1]!) + 1n) % Q).toString();
      }),
  ],
  [
    'C.y + 1 (off the curve)',
    (k) =>
      item(k, (p) => {
        const c = coords(p, 'pi_c');
        c[1] = ((BigInt(c[1] as string) + 1n) % Q).toString();
      }),
  ],
];

/** Shapes snarkjs reads by ignoring the extra coordinate, which batchVerify has always
 * refused as "a point of the wrong shape" (its documented exception): false in a batch. */
const WRONG_SHAPE = new Set(['pi_a of 4 coordinates', 'pi_b with a 3-element pair']);

const hostile: Array<[string, (k: number) => BatchVerifyItem]> = [
  ['A.x = q', (k) => item(k, (p) => (coords(p, 'pi_a')[0] = Q.toString()))],
  [
    'A.x + q',
    (k) =>
      item(k, (p) => {
        const a = coords(p, 'pi_a');
        a[0] = (BigInt(a[0] as string) + Q).toString();
      }),
  ],
  [
    'C.y + q',
    (k) =>
      item(k, (p) => {
        const c = coords(p, 'pi_c');
        c[1] = (BigInt(c[1] as string) + Q).toString();
      }),
  ],
  [
    'B.x.c0 + q',
    (k) =>
      item(k, (p) => {
        const x = coords(p, 'pi_b')[0] as string[];
        x[0] = (BigInt(x[0]!) + Q).toString();
      }),
  ],
  [
    'A.y negative',
    (k) =>
      item(k, (p) => {
        const a = coords(p, 'pi_a');
        a[1] = `-${(Q - BigInt(a[1] as string)).toString()}`;
      }),
  ],
  [
    'A.x in hex',
    (k) =>
      item(k, (p) => {
        const a = coords(p, 'pi_a');
        a[0] = `0x${BigInt(a[0] as string).toString(16)}`;
      }),
  ],
  [
    'B.y.c0 in hex',
    (k) =>
      item(k, (p) => {
        const y = coords(p, 'pi_b')[1] as string[];
        y[0] = `0x${BigInt(y[0]!).toString(16)}`;
      }),
  ],
  [
    'a signal in hex',
    (k) => item(k, (_p, s) => (s[1] = `0x${BigInt(s[1] as string).toString(16)}`)),
  ],
  [
    'A.x with leading zeros',
    (k) => item(k, (p) => (coords(p, 'pi_a')[0] = `000${coords(p, 'pi_a')[0] as string}`)),
  ],
  [
    'C.x with leading whitespace',
    (k) => item(k, (p) => (coords(p, 'pi_c')[0] = ` ${coords(p, 'pi_c')[0] as string}`)),
  ],
  [
    'A.y with a trailing newline',
    (k) => item(k, (p) => (coords(p, 'pi_a')[1] = `${coords(p, 'pi_a')[1] as string}\n`)),
  ],
  ['A.x a number', (k) => item(k, (p) => (coords(p, 'pi_a')[0] = 1))],
  ['C.y null', (k) => item(k, (p) => (coords(p, 'pi_c')[1] = null))],
  ['B.x an object', (k) => item(k, (p) => (coords(p, 'pi_b')[0] = { c0: '1', c1: '2' }))],
  ['a signal a number', (k) => item(k, (_p, s) => (s[0] = 5))],
  ['pi_a of 2 coordinates', (k) => item(k, (p) => (p.pi_a = coords(p, 'pi_a').slice(0, 2)))],
  ['pi_a of 4 coordinates', (k) => item(k, (p) => (p.pi_a = [...coords(p, 'pi_a'), '1']))],
  ['pi_c of 1 coordinate', (k) => item(k, (p) => (p.pi_c = coords(p, 'pi_c').slice(0, 1)))],
  ['pi_b of 2 pairs', (k) => item(k, (p) => (p.pi_b = coords(p, 'pi_b').slice(0, 2)))],
  [
    'pi_b with a 3-element pair',
    (k) => item(k, (p) => (coords(p, 'pi_b')[0] as string[]).push('0')),
  ],
  ['pi_b missing', (k) => item(k, (p) => delete p.pi_b)],
  [
    'A in Jacobian form, z = 5',
    (k) =>
      item(k, (p) => {
        const [x, y] = coords(p, 'pi_a').map((c) => BigInt(c as string)) as [bigint, bigint];
        p.pi_a = [(x * 25n) % Q, (y * 125n) % Q, 5n].map(String);
      }),
  ],
  ['A with z = 5 but affine x, y', (k) => item(k, (p) => (coords(p, 'pi_a')[2] = '5'))],
  ['A with z = 0', (k) => item(k, (p) => (coords(p, 'pi_a')[2] = '0'))],
  ['B with z = (2, 0)', (k) => item(k, (p) => (coords(p, 'pi_b')[2] = ['2', '0']))],
  ['B with z = (1, 1)', (k) => item(k, (p) => (coords(p, 'pi_b')[2] = ['1', '1']))],
  ['A off the curve: (1, 3)', (k) => item(k, (p) => (p.pi_a = ['1', '3', '1']))],
  ['A = the G1 generator (1, 2)', (k) => item(k, (p) => (p.pi_a = ['1', '2', '1']))],
  ['pi_b on the twist outside G2', (k) => item(k, (p) => (p.pi_b = twistPointOutsideG2()))],
  ['A at infinity [0, 1, 0]', (k) => item(k, (p) => (p.pi_a = ['0', '1', '0']))],
  ['A as [0, 0, 0]', (k) => item(k, (p) => (p.pi_a = ['0', '0', '0']))],
  ['C at infinity [0, 1, 0]', (k) => item(k, (p) => (p.pi_c = ['0', '1', '0']))],
  ['A as [0, 0, 1]', (k) => item(k, (p) => (p.pi_a = ['0', '0', '1']))],
  [
    'B at infinity',
    (k) =>
      item(
        k,
        (p) =>
          (p.pi_b = [
            ['0', '0'],
            ['1', '0'],
            ['0', '0'],
          ]),
      ),
  ],
  [
    'B as all zeros',
    (k) =>
      item(
        k,
        (p) =>
          (p.pi_b = [
            ['0', '0'],
            ['0', '0'],
            ['0', '0'],
          ]),
      ),
  ],
  ['a signal = r', (k) => item(k, (_p, s) => (s[2] = R.toString()))],
  ['a signal + r', (k) => item(k, (_p, s) => (s[0] = (BigInt(s[0] as string) + R).toString()))],
  ['a signal = r - 1', (k) => item(k, (_p, s) => (s[1] = (R - 1n).toString()))],
  ['a negative signal', (k) => item(k, (_p, s) => (s[1] = '-1'))],
];

const cases = [...tampered, ...hostile];

describe('pairing engine vs snarkjs.groth16.verify', () => {
  it('reads the key on BN_SNARK1 as snarkjs does: e(alpha, beta) in mcl, points checked', async () => {
    const key = await engineKey(curve, vk);
    expect(key.nPublic).toBe(PUBLIC_SIGNAL_ORDER.length);
    expect(key.alphaBeta.isOne()).toBe(false);
    expect(await engineKey(curve, vk)).toBe(key); // cached per key object
  });

  it('accepts all 32 valid proofs, alone and together', async () => {
    for (const it of valid) expect(await verifyProof(vk, it.publicSignals, it.proof)).toBe(true);
    expect(await batchVerify(vk, valid)).toEqual(valid.map(() => true));
  });

  it('tests G2 subgroup membership as [r]Q = O does, on and off the subgroup', async () => {
    const kernel = await loadMcl();
    const { F2, G2 } = curve;
    const asMcl = (p: Uint8Array) => {
      const q = new mcl.G2();
      q.setStr(`1 ${G2.toObject(G2.toAffine(p)).slice(0, 2).flat().map(String).join(' ')}`, 10);
      return q;
    };
    const seen = { inside: 0, outside: 0 };
    for (let k = 1n; k <= 40n; k++) {
      const x = F2.fromObject([k, 5n]);
      const rhs = F2.add(F2.mul(F2.square(x), x), G2.b);
      if (!F2.isSquare(rhs)) continue;
      const point = new Uint8Array(4 * curve.F1.n8);
      point.set(x);
      point.set(F2.sqrt(rhs), x.length);
      // A twist point, and its multiple by the cofactor 2p - r: in the subgroup.
      for (const p of [point, G2.timesScalar(point, 2n * curve.q - curve.r)]) {
        const truth = G2.isZero(G2.timesScalar(p, curve.r));
        const q = asMcl(p);
        expect([kernel.inG2(q), q.isValidOrder()]).toEqual([truth, truth]);
        seen[truth ? 'inside' : 'outside']++;
      }
    }
    for (const it of valid.slice(0, 4)) {
      const [x, y] = it.proof.pi_b;
      const q = new mcl.G2();
      q.setStr(`1 ${[...x!, ...y!].join(' ')}`, 10);
      expect(kernel.inG2(q)).toBe(true);
    }
    expect(seen.inside).toBeGreaterThan(5);
    expect(seen.outside).toBeGreaterThan(5);
  });

  it.each(cases)('single verification agrees with snarkjs: %s', async (name, make) => {
    const it = make(3);
    const expected = await snarkjsAnswer(it);
    // verifyPackage's path: snarkjs's exact answer (or its exception).
    const single = await verifyProof(vk, it.publicSignals, it.proof).catch(() => false);
    expect(single).toBe(expected);
    // batchVerify of one; an item of the wrong shape is false there (documented).
    const batchExpected = WRONG_SHAPE.has(name) ? false : expected;
    expect(await batchVerify(vk, [it])).toEqual([batchExpected]);
    if (WRONG_SHAPE.has(name)) expect(expected).toBe(true); // what the exception is about
  });

  it.each([
    ['inline', 1],
    ['on the pool', 2],
  ])(
    'agrees with snarkjs on a batch mixing every case with valid proofs (%s)',
    async (_m, size) => {
      await configurePairingPool({ size, minBatch: 2 });
      const read = cases.filter(([name]) => !WRONG_SHAPE.has(name));
      const mixed = read.map(([, make], i) => make(i % BATCH));
      const items = mixed.flatMap((it, i) => [it, valid[(i * 7) % BATCH]!]);
      const expected = await Promise.all(items.map(snarkjsAnswer));
      expect(expected.filter(Boolean).length).toBeGreaterThan(cases.length); // not all false
      const got = await batchVerify(vk, items);
      expect(got).toEqual(expected);
    },
  );

  it.each([
    ['inline', 1],
    ['on the pool', 2],
  ])('finds one bad proof among 32 by bisection (%s)', async (_m, size) => {
    await configurePairingPool({ size, minBatch: 4 });
    const named = (n: string) => tampered.find(([name]) => name === n)!;
    const bads = [...signalCases, named('A and C swapped'), named('B from another statement')];
    for (const [, make] of bads) {
      const bad = Math.floor(Math.random() * BATCH);
      const items = [...valid];
      items[bad] = make(bad);
      expect(await snarkjsAnswer(items[bad]!)).toBe(false);
      expect(await batchVerify(vk, items)).toEqual(valid.map((_, i) => i !== bad));
    }
  });

  it('sends a pi_b outside G2 to snarkjs alone and batches the rest, on the pool', async () => {
    await configurePairingPool({ size: 2, minBatch: 4 });
    const items = [...valid];
    items[5] = item(5, (p) => (p.pi_b = twistPointOutsideG2()));
    items[20] = item(20, (_p, s) => (s[0] = '7'));
    const expected = valid.map((_, i) => i !== 5 && i !== 20);
    expect(await batchVerify(vk, items)).toEqual(expected);
  });
});

describe('pairing pool lifecycle', () => {
  it('closes its threads and starts again on the next large batch', async () => {
    await configurePairingPool({ size: 2, minBatch: 2 });
    expect(await batchVerify(vk, valid.slice(0, 8))).toEqual(valid.slice(0, 8).map(() => true));
    await terminateSnarkjsCurve(); // closes the pool with snarkjs's curve
    expect(await batchVerify(vk, valid.slice(8, 16))).toEqual(valid.slice(8, 16).map(() => true));
  });

  it('answers a batch whose pool is closed under it, inline', async () => {
    await configurePairingPool({ size: 2, minBatch: 2 }); // fresh threads, still loading mcl
    const items = [...valid];
    items[9] = item(9, (_p, s) => (s[2] = '11'));
    const running = batchVerify(vk, items);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await closePairingPool();
    expect(await running).toEqual(valid.map((_, i) => i !== 9));
  });

  it('never keeps a process alive: a CLI-like process exits after a pooled batch', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pool-')), 'batch.json');
    const items = valid
      .slice(0, 8)
      .map((it, i) => (i === 3 ? item(3, (_p, s) => (s[0] = '1')) : it));
    writeFileSync(file, JSON.stringify(items));
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', join(__dirname, '..', 'support', 'pool-batch-child.ts'), file],
      { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    expect(code).toBe(0); // not killed: it exited by itself
    expect(JSON.parse(out)).toEqual(items.map((_, i) => i !== 3));
  });
});
