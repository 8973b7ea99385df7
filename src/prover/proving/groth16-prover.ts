/**
 * Groth16 proving over a proving key (.zkey) parsed once per process.
 *
 * snarkjs' groth16.prove re-reads every section of the zkey for each proof and builds the QAP
 * evaluations (A, B, C at the constraints) in JavaScript, several small buffers per
 * coefficient: about a sixth of a proof's CPU here, and garbage that keeps V8's collector
 * threads busy beside the prover, so that a worker process used ~1.15 cores instead of one.
 * This prover keeps the sections and builds the QAP with the curve's own wasm (qap_buildABC,
 * the routine snarkjs' multi-threaded builder called); every other step is snarkjs' own
 * (groth16Prove in snarkjs 0.7.6): same curve, same FFTs and multi-exponentiations, same
 * proof format, so snarkjs' groth16.verify and the Solidity verifiers accept its proofs.
 */
import { ZkAttestError } from '../../common/errors';
import { snarkjsCurve } from '../../common/snarkjs-teardown';

type Bytes = Uint8Array;

/** The part of ffjavascript's curve this prover uses (buffers are Montgomery-form, LE). */
interface Field {
  readonly n8: number;
  readonly s: number;
  readonly shift: Bytes;
  readonly w: Bytes[];
  e(value: number): Bytes;
  random(): Bytes;
  neg(a: Bytes): Bytes;
  mul(a: Bytes, b: Bytes): Bytes;
  fft(buff: Bytes): Promise<Bytes>;
  ifft(buff: Bytes): Promise<Bytes>;
  batchApplyKey(buff: Bytes, first: Bytes, inc: Bytes): Promise<Bytes>;
}
interface Group {
  readonly F: { readonly n8: number };
  readonly zero: Bytes;
  isZero(point: Bytes): boolean;
  double(point: Bytes): Bytes;
  fromRprLEM(buff: Bytes, offset: number): Bytes;
  add(a: Bytes, b: Bytes): Bytes;
  timesFr(point: Bytes, scalar: Bytes): Bytes;
  toAffine(point: Bytes): Bytes;
  toObject(point: Bytes): unknown[];
  multiExpAffine(bases: Bytes, scalars: Bytes): Promise<Bytes>;
}
type Task = Record<string, unknown>[];
interface ProverCurve {
  readonly name: string;
  readonly Fr: Field;
  readonly G1: Group;
  readonly G2: Group;
  readonly tm: { readonly concurrency: number; queueAction(task: Task): Promise<Bytes[]> };
}

/** ffjavascript's window width (bits) by log2 of the number of points. */
const WINDOW_BITS = [
  1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10, 11, 12, 13, 13, 14, 15, 16, 16, 17, 17, 17, 17, 17, 17,
  17, 17, 17, 17,
];

/** The curve snarkjs itself would use: the process's cached one, else a new one (cached). */
async function processCurve(): Promise<ProverCurve> {
  return (await snarkjsCurve()) as ProverCurve;
}

function malformed(what: string): ZkAttestError {
  return new ZkAttestError('ARTIFACT_MISMATCH', `malformed ${what} file`);
}

/** An iden3 binary file (zkey, wtns): its sections by type, as views into `bytes`. */
function sectionsOf(bytes: Bytes, magic: string): Map<number, Bytes> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || String.fromCharCode(...bytes.subarray(0, 4)) !== magic) {
    throw malformed(magic);
  }
  const sections = new Map<number, Bytes>();
  let at = 12;
  for (let i = view.getUint32(8, true); i > 0; i--) {
    if (at + 12 > bytes.byteLength) throw malformed(magic);
    const type = view.getUint32(at, true);
    const size = Number(view.getBigUint64(at + 4, true));
    at += 12;
    if (at + size > bytes.byteLength) throw malformed(magic);
    sections.set(type, bytes.subarray(at, at + size));
    at += size;
  }
  return sections;
}

function section(sections: Map<number, Bytes>, type: number, what: string): Bytes {
  const s = sections.get(type);
  if (!s) throw malformed(what);
  return s;
}

/** A section copied out of the file: a compact buffer that a worker thread receives alone. */
const own = (sections: Map<number, Bytes>, type: number) => section(sections, type, 'zkey').slice();

const u32 = (b: Bytes, at: number) =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);

/** A little-endian unsigned integer. */
function leToBigInt(b: Bytes): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

const stringify = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(stringify) : typeof v === 'bigint' ? v.toString() : v;

export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: 'groth16';
  curve: string;
}

/** What a proof reads of a zkey: views into its bytes. */
interface ZkeyParts {
  r: bigint;
  nVars: number;
  nPublic: number;
  domainSize: number;
  power: number;
  /** The header's points (alpha1, beta1, beta2, gamma2, delta1, delta2), as stored. */
  points: Bytes;
  /** Section 4 without its count: (m, c, s, coefficient) records. */
  coeffs: Bytes;
  pointsA: Bytes;
  pointsB1: Bytes;
  pointsB2: Bytes;
  pointsC: Bytes;
  pointsH: Bytes;
}

const isPowerOf2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** One circuit's proving key, parsed once; `prove` takes a witness in snarkjs' .wtns format. */
export class Groth16Prover {
  private constructor(private readonly key: ZkeyParts) {}

  /**
   * Parses a Groth16 zkey of the bn128 curve, keeping the sections a proof reads. The curve is
   * looked up at each proof: the process may terminate snarkjs' curve and build another.
   */
  static fromZkey(zkey: Bytes): Groth16Prover {
    const sections = sectionsOf(zkey, 'zkey');
    if (u32(section(sections, 1, 'zkey'), 0) !== 1) throw malformed('groth16 zkey');
    const h = section(sections, 2, 'zkey');
    const n8q = u32(h, 0);
    const n8r = u32(h, 4 + n8q);
    let at = 8 + n8q + n8r;
    const r = leToBigInt(h.subarray(8 + n8q, at));
    const nVars = u32(h, at);
    const nPublic = u32(h, at + 4);
    const domainSize = u32(h, at + 8);
    at += 12;
    // alpha1, beta1 (G1), beta2, gamma2 (G2), delta1 (G1), delta2 (G2): 2 coordinates each.
    const points = h.subarray(at, at + n8q * 2 * (3 + 2 * 3));
    if (n8q !== 32 || n8r !== 32 || points.byteLength !== n8q * 18 || !isPowerOf2(domainSize)) {
      throw malformed('bn128 zkey');
    }
    return new Groth16Prover({
      r,
      nVars,
      nPublic,
      domainSize,
      power: Math.log2(domainSize),
      points: points.slice(),
      coeffs: own(sections, 4).subarray(4),
      pointsA: own(sections, 5),
      pointsB1: own(sections, 6),
      pointsB2: own(sections, 7),
      pointsC: own(sections, 8),
      pointsH: own(sections, 9),
    });
  }

  /** A proof and its public signals, as snarkjs.groth16.prove returns them. */
  async prove(wtns: Bytes): Promise<{ proof: Groth16Proof; publicSignals: string[] }> {
    const curve = await processCurve();
    const { key } = this;
    const { Fr, G1, G2 } = curve;
    // Byte offsets in the header: alpha1 0, beta1 64, beta2 128, gamma2 256, delta1 384, delta2 448.
    const alpha1 = G1.fromRprLEM(key.points, 0);
    const beta1 = G1.fromRprLEM(key.points, 64);
    const beta2 = G2.fromRprLEM(key.points, 128);
    const delta1 = G1.fromRprLEM(key.points, 384);
    const delta2 = G2.fromRprLEM(key.points, 448);

    const n8 = Fr.n8;
    const sections = sectionsOf(wtns, 'wtns');
    const header = section(sections, 1, 'wtns');
    const wn8 = u32(header, 0);
    if (leToBigInt(header.subarray(4, 4 + wn8)) !== key.r || u32(header, 4 + wn8) !== key.nVars) {
      throw new ZkAttestError('ARTIFACT_MISMATCH', 'the witness is not of this circuit');
    }
    const witness = section(sections, 2, 'wtns');

    const [aT, bT, cT] = await buildABC(curve, key, witness);
    const inc = key.power === Fr.s ? Fr.shift : Fr.w[key.power + 1]!;
    // Each polynomial's evaluations on the shifted domain (the coset), as snarkjs does.
    const odd = async (evals: Bytes) =>
      Fr.fft(await Fr.batchApplyKey(await Fr.ifft(evals), Fr.e(1), inc));
    const aOdd = await odd(aT);
    const bOdd = await odd(bT);
    const cOdd = await odd(cT);
    const h = await joinABC(curve, aOdd, bOdd, cOdd);

    let piA = await multiExp(curve, 'g1m', key.pointsA, witness);
    let pib1 = await multiExp(curve, 'g1m', key.pointsB1, witness);
    let piB = await multiExp(curve, 'g2m', key.pointsB2, witness);
    let piC = await multiExp(curve, 'g1m', key.pointsC, witness.subarray((key.nPublic + 1) * n8));
    const resH = await multiExp(curve, 'g1m', key.pointsH, h);

    const r = Fr.random();
    const s = Fr.random();
    piA = G1.add(G1.add(piA, alpha1), G1.timesFr(delta1, r));
    piB = G2.add(G2.add(piB, beta2), G2.timesFr(delta2, s));
    pib1 = G1.add(G1.add(pib1, beta1), G1.timesFr(delta1, s));
    piC = G1.add(piC, resH);
    piC = G1.add(piC, G1.timesFr(piA, s));
    piC = G1.add(piC, G1.timesFr(pib1, r));
    piC = G1.add(piC, G1.timesFr(delta1, Fr.neg(Fr.mul(r, s))));

    const publicSignals: string[] = [];
    for (let i = 1; i <= key.nPublic; i++) {
      publicSignals.push(leToBigInt(witness.subarray(i * n8, (i + 1) * n8)).toString());
    }
    const affine = (g: Group, p: Bytes) => stringify(g.toObject(g.toAffine(p)));
    return {
      proof: {
        pi_a: affine(G1, piA) as string[],
        pi_b: affine(G2, piB) as string[][],
        pi_c: affine(G1, piC) as string[],
        protocol: 'groth16',
        curve: curve.name,
      },
      publicSignals,
    };
  }
}

/**
 * sum_i scalars_i * bases_i (affine bases), windowed as ffjavascript's multiExpAffine does,
 * but with the bases and scalars copied into wasm memory once per thread: ffjavascript
 * copies them again for each of the ~26 windows (a tenth of a proof's CPU here).
 */
async function multiExp(
  curve: ProverCurve,
  prefix: 'g1m' | 'g2m',
  bases: Bytes,
  scalars: Bytes,
): Promise<Bytes> {
  const G = prefix === 'g1m' ? curve.G1 : curve.G2;
  const nPoints = bases.byteLength / (G.F.n8 * 2);
  if (nPoints === 0) return G.zero;
  const sScalar = scalars.byteLength / nPoints;
  const bits = WINDOW_BITS[Math.floor(Math.log2(nPoints))]!;
  const windows = Math.ceil((sScalar * 8) / bits);
  const outLen = G.F.n8 * 3;
  // The windows split over the curve's threads (one task each; one task single-threaded).
  const perTask = Math.ceil(windows / curve.tm.concurrency);
  const tasks: Promise<Bytes[]>[] = [];
  for (let first = 0; first < windows; first += perTask) {
    const task: Task = [
      { cmd: 'ALLOCSET', var: 0, buff: bases },
      { cmd: 'ALLOCSET', var: 1, buff: scalars },
    ];
    const last = Math.min(windows, first + perTask);
    for (let w = first; w < last; w++) {
      const v = 2 + w - first;
      task.push(
        { cmd: 'ALLOC', var: v, len: outLen },
        {
          cmd: 'CALL',
          fnName: `${prefix}_multiexpAffine_chunk`,
          params: [
            { var: 0 },
            { var: 1 },
            { val: sScalar },
            { val: nPoints },
            { val: w * bits },
            { val: Math.min(sScalar * 8 - w * bits, bits) },
            { var: v },
          ],
        },
        { cmd: 'GET', out: w - first, var: v, len: outLen },
      );
    }
    tasks.push(curve.tm.queueAction(task));
  }
  const perWindow = (await Promise.all(tasks)).flat();
  let res = G.zero;
  for (let w = perWindow.length - 1; w >= 0; w--) {
    if (!G.isZero(res)) for (let j = 0; j < bits; j++) res = G.double(res);
    res = G.add(res, perWindow[w]!);
  }
  return res;
}

/** A, B and C = A*B at the domain's points, in one wasm call (qap_buildABC). */
async function buildABC(curve: ProverCurve, key: ZkeyParts, witness: Bytes): Promise<Bytes[]> {
  const n8 = curve.Fr.n8;
  const len = key.domainSize * n8;
  return curve.tm.queueAction([
    { cmd: 'ALLOCSET', var: 0, buff: key.coeffs },
    { cmd: 'ALLOCSET', var: 1, buff: witness },
    { cmd: 'ALLOC', var: 2, len },
    { cmd: 'ALLOC', var: 3, len },
    { cmd: 'ALLOC', var: 4, len },
    {
      cmd: 'CALL',
      fnName: 'qap_buildABC',
      params: [
        { var: 0 },
        { val: key.coeffs.byteLength / (12 + n8) },
        { var: 1 },
        { var: 2 },
        { var: 3 },
        { var: 4 },
        { val: 0 },
        { val: key.domainSize },
        { val: 0 },
        { val: key.nVars },
      ],
    },
    { cmd: 'GET', out: 0, var: 2, len },
    { cmd: 'GET', out: 1, var: 3, len },
    { cmd: 'GET', out: 2, var: 4, len },
  ]);
}

/** (A*B - C) / Z on the coset, out of Montgomery form: the H multi-exponentiation's scalars. */
async function joinABC(curve: ProverCurve, a: Bytes, b: Bytes, c: Bytes): Promise<Bytes> {
  const n = a.byteLength / curve.Fr.n8;
  const [h] = await curve.tm.queueAction([
    { cmd: 'ALLOCSET', var: 0, buff: a },
    { cmd: 'ALLOCSET', var: 1, buff: b },
    { cmd: 'ALLOCSET', var: 2, buff: c },
    { cmd: 'ALLOC', var: 3, len: a.byteLength },
    {
      cmd: 'CALL',
      fnName: 'qap_joinABC',
      params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: n }, { var: 3 }],
    },
    {
      cmd: 'CALL',
      fnName: 'frm_batchFromMontgomery',
      params: [{ var: 3 }, { val: n }, { var: 3 }],
    },
    { cmd: 'GET', out: 0, var: 3, len: a.byteLength },
  ]);
  return h!;
}
