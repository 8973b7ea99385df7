/**
 * Ties a Groth16 zkey to the R1CS it claims to prove, without the .ptau: a fresh clone has no
 * .ptau (gitignored), yet CI must notice a zkey made for another circuit, or one whose
 * constraint data was edited, even when the manifest hashes were updated to match.
 *
 * snarkjs' zkey keeps the circuit's A and B matrices in section 4 (the prover evaluates them
 * for every proof) and the sizes in section 2. Both are recomputed from the compiled R1CS here
 * and must agree exactly. C and the tau-dependent points need the .ptau: `zkey verify`
 * (snarkjs' verifyFromR1cs) checks those, and circuits:check runs it when the .ptau is at hand.
 */
import { readFileSync } from 'node:fs';
import { F1Field } from 'ffjavascript';
import { readR1cs } from 'r1csfile';

const GROTH16 = 1;
const HEADER_SECTION = 1;
const GROTH_HEADER_SECTION = 2;
const COEFFS_SECTION = 4;
const FR_BYTES = 32;
const COEFF_BYTES = 12 + FR_BYTES; // matrix, constraint, signal (u32 each), value

type LinearCombination = Record<string, bigint>;

/** The sections of a zkey file: id -> [offset, size]. */
function zkeySections(bytes: Buffer): Map<number, { offset: number; size: number }> {
  if (bytes.length < 12 || bytes.subarray(0, 4).toString('latin1') !== 'zkey') {
    throw new Error('not a zkey file');
  }
  const sections = new Map<number, { offset: number; size: number }>();
  let pos = 12;
  for (let i = 0; i < bytes.readUInt32LE(8); i++) {
    if (pos + 12 > bytes.length) throw new Error('truncated zkey file');
    const id = bytes.readUInt32LE(pos);
    const size = Number(bytes.readBigUInt64LE(pos + 4));
    pos += 12;
    if (sections.has(id) || pos + size > bytes.length) throw new Error('malformed zkey sections');
    sections.set(id, { offset: pos, size });
    pos += size;
  }
  return sections;
}

const littleEndian = (bytes: Buffer) =>
  BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);

/**
 * Why a zkey does not belong to an R1CS, or undefined when its Groth16 header (field, number
 * of wires and public signals, domain) and its A/B coefficient section are exactly those
 * snarkjs derives from that R1CS.
 */
export async function zkeyR1csMismatch(
  zkeyPath: string,
  r1csPath: string,
): Promise<string | undefined> {
  const r1cs = await readR1cs(r1csPath, {
    loadConstraints: true,
    loadMap: false,
    // A plain bigint field: no curve, no worker threads.
    getFieldFromPrime: (prime) => new F1Field(prime),
  });
  const bytes = readFileSync(zkeyPath);
  let sections: ReturnType<typeof zkeySections>;
  try {
    sections = zkeySections(bytes);
  } catch (err) {
    return (err as Error).message;
  }
  const header = sections.get(HEADER_SECTION);
  const groth = sections.get(GROTH_HEADER_SECTION);
  const coeffs = sections.get(COEFFS_SECTION);
  if (!header || !groth || !coeffs) return 'the zkey lacks a header or coefficient section';
  if (bytes.readUInt32LE(header.offset) !== GROTH16) return 'the zkey is not a Groth16 key';

  // Section 2: n8q, q, n8r, r, nVars, nPublic, domainSize (then curve points).
  let pos = groth.offset;
  const n8q = bytes.readUInt32LE(pos);
  pos += 4 + n8q;
  const n8r = bytes.readUInt32LE(pos);
  if (n8r !== FR_BYTES) return 'the zkey is not over a 254-bit scalar field';
  const r = littleEndian(bytes.subarray(pos + 4, pos + 4 + n8r));
  pos += 4 + n8r;
  const nVars = bytes.readUInt32LE(pos);
  const nPublic = bytes.readUInt32LE(pos + 4);
  const domainSize = bytes.readUInt32LE(pos + 8);
  const constraints = (r1cs.constraints ?? []) as [LinearCombination, LinearCombination][];
  if (r !== r1cs.prime) return 'the zkey and the R1CS use different fields';
  if (nVars !== r1cs.nVars) return `the zkey has ${nVars} wires, the R1CS ${r1cs.nVars}`;
  if (nPublic !== r1cs.nOutputs + r1cs.nPubInputs) {
    return `the zkey has ${nPublic} public signals, the R1CS ${r1cs.nOutputs + r1cs.nPubInputs}`;
  }
  // snarkjs: the smallest power of two above constraints + public signals (+1 for ONE).
  const cirPower = Math.ceil(Math.log2(constraints.length + nPublic + 1));
  if (domainSize !== 2 ** cirPower) {
    return `the zkey's domain is ${domainSize}, the R1CS needs 2^${cirPower}`;
  }

  // Section 4: count, then (matrix 0 = A / 1 = B, constraint, signal, coeff * R^2 mod r).
  // Every A and B term of every constraint, plus A[nConstraints + s][s] = 1 for each public
  // signal s (and ONE), which snarkjs adds to make the public inputs independent.
  const rSquared = ((1n << 256n) % r) ** 2n % r;
  const expected: string[] = [];
  constraints.forEach(([a, b], c) => {
    for (const [matrix, lc] of [a, b].entries()) {
      for (const [signal, coeff] of Object.entries(lc)) {
        expected.push(`${matrix},${c},${signal},${(coeff * rSquared) % r}`);
      }
    }
  });
  for (let s = 0; s <= nPublic; s++) expected.push(`0,${constraints.length + s},${s},${rSquared}`);

  const count = bytes.readUInt32LE(coeffs.offset);
  if (coeffs.size !== 4 + count * COEFF_BYTES || count !== expected.length) {
    return `the zkey has ${count} A/B coefficients, the R1CS ${expected.length}`;
  }
  const actual: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = coeffs.offset + 4 + i * COEFF_BYTES;
    const value = littleEndian(bytes.subarray(at + 12, at + COEFF_BYTES));
    actual.push(
      `${bytes.readUInt32LE(at)},${bytes.readUInt32LE(at + 4)},${bytes.readUInt32LE(at + 8)},${value}`,
    );
  }
  // Compared as sets of terms: the order within a linear combination carries no meaning.
  expected.sort();
  actual.sort();
  const differs = expected.findIndex((term, i) => term !== actual[i]);
  return differs === -1 ? undefined : "the zkey's A/B coefficients differ from the R1CS";
}
