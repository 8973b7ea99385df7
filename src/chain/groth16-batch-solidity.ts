/**
 * Generates an inlinable Solidity library that checks a batch of Groth16 proofs, k_1 of key 1,
 * k_2 of key 2..., with ONE call to the pairing precompile (0x08): per proof the pair
 * (rho_i A_i, B_i), per key the three pairs (-alpha * sum rho_i, beta),
 * (-sum rho_i vk_x_i, gamma), (-sum rho_i C_i, delta), where
 * sum rho_i vk_x_i = IC_0 * sum rho_i + sum_j IC_j * (sum_i rho_i s_ij mod r): one ecMul per IC
 * point per key, not per proof. Pairs: n + 3K for n proofs of K keys.
 *
 * For a token taking a large-book package (chunk proofs + one final proof, LARGESPEC §8):
 *   batchLibraryFromKeyFiles('LargeCoverageBatchGroth16', [chunkKeyFile, finalKeyFile])
 * or `npm run contracts:verifier -- --batch contracts/LargeCoverageBatchGroth16.sol
 *   artifacts/chunk-32/verification_key.json artifacts/coverage-4096/verification_key.json`.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { constants, g2, type VerificationKey } from './groth16-solidity';

const ROOT = join(__dirname, '..', '..');

export interface BatchKey {
  /** Names the key's parameters and constants, e.g. "chunk-32" -> chunk32Proofs, CHUNK32_IC0X. */
  label: string;
  vk: VerificationKey;
  /** Where the key came from (named in the generated header). */
  source: string;
}

const camel = (label: string) =>
  label.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase());
const upper = (label: string) => label.replace(/[^A-Za-z0-9]+/g, '').toUpperCase();
const hex = (n: number) => `0x${n.toString(16)}`;

/** Scratch layout past the free memory pointer (never kept). */
/** Scratch past the free memory pointer: at m a point accumulator (2 words), a term to add
 * (2 words) and a scalar; at m + SUMS, sum rho_i then sum_i rho_i s_ij per input j. */
const SUMS = 0xa0;

function keyConstants(k: BatchKey): string {
  const p = upper(k.label);
  const { vk } = k;
  return [
    `    // ${k.label}: ${vk.nPublic} public inputs (${k.source})`,
    constants(`${p}_ALPHA`, [vk.vk_alpha_1[0]!, vk.vk_alpha_1[1]!]),
    constants(`${p}_BETA`, g2(vk.vk_beta_2)),
    constants(`${p}_GAMMA`, g2(vk.vk_gamma_2)),
    constants(`${p}_DELTA`, g2(vk.vk_delta_2)),
    ...vk.IC.map((pt, i) => constants(`${p}_IC${i}`, [pt[0]!, pt[1]!])),
  ].join('\n');
}

const ind = (depth: number, lines: string[]) =>
  lines.map((l) => (l ? ' '.repeat(depth) + l : l)).join('\n');

/** The Yul for key `k`: its proofs' pairs, then its three pairs at pair index total + 3k. */
function keyYul(keys: BatchKey[], k: number): string[] {
  const key = keys[k]!;
  const n = key.vk.nPublic;
  const c = upper(key.label);
  const proofs = `${camel(key.label)}Proofs`;
  const inputs = `${camel(key.label)}Inputs`;
  const baseExpr =
    k === 0 ? 'i' : keys.slice(0, k).reduceRight((acc, _, j) => `add(n${j}, ${acc})`, 'i');
  const sum = (j: number) => (j === 0 ? 'sums' : `add(sums, ${hex(32 * j)})`);
  /** y -> q - y (mod q: infinity's 0 stays 0) of the point at `at`. */
  const neg = (at: string) => `mstore(add(${at}, 0x20), mod(sub(fq, mload(add(${at}, 0x20))), fq))`;
  /** The point at m, negated, at kp. */
  const negAcc = [
    'mstore(kp, mload(m))',
    'mstore(add(kp, 0x20), mod(sub(fq, mload(add(m, 0x20))), fq))',
  ];
  const g2Words = (name: string, at: string) =>
    ['X1', 'X2', 'Y1', 'Y2'].map(
      (s, w) => `mstore(add(${at}, ${hex(0x40 + 32 * w)}), ${c}_${name}${s})`,
    );
  const lines = [
    `// ${key.label}: rho_i and its ${n} scalar sums, rho_i A_i paired with B_i, sum rho_i C_i`,
    'mstore(m, 0)',
    'mstore(add(m, 0x20), 0)',
    ...Array.from({ length: n + 1 }, (_, j) => `mstore(${sum(j)}, 0)`),
    `for { let i := 0 } and(ok, lt(i, n${k})) { i := add(i, 1) } {`,
    `    let idx := ${baseExpr}`,
    '    let rho := 1',
    '    if idx {',
    '        mstore(add(m, 0x40), seed)',
    '        mstore(add(m, 0x60), idx)',
    '        rho := and(keccak256(add(m, 0x40), 0x40), 0xffffffffffffffffffffffffffffffff)',
    '    }',
    `    let row := add(${inputs}.offset, mul(i, ${hex(32 * n)}))`,
    ...Array.from({ length: n }, (_, j) => [
      `    let s${j} := calldataload(${j === 0 ? 'row' : `add(row, ${hex(32 * j)})`})`,
      `    ok := and(ok, lt(s${j}, fr))`,
      `    mstore(${sum(j + 1)}, addmod(mload(${sum(j + 1)}), mulmod(rho, s${j}, fr), fr))`,
    ]).flat(),
    '    mstore(sums, addmod(mload(sums), rho, fr))',
    `    ok := and(ok, takeProof(m, add(pairs, mul(idx, 0xc0)), add(${proofs}.offset, shl(8, i)), rho, fq))`,
    '}',
    `let kp := add(pairs, mul(${k === 0 ? 'total' : `add(total, ${3 * k})`}, 0xc0))`,
    '// (-sum rho_i C_i, delta)',
    ...negAcc,
    ...g2Words('DELTA', 'kp'),
    '// (-alpha * sum rho_i, beta)',
    'kp := add(kp, 0xc0)',
    `ok := and(ok, g1Mul(kp, ${c}_ALPHAX, ${c}_ALPHAY, mload(sums)))`,
    neg('kp'),
    ...g2Words('BETA', 'kp'),
    '// (-(IC_0 * sum rho_i + sum_j IC_j * sum_i rho_i s_ij), gamma)',
    'kp := add(kp, 0xc0)',
    `ok := and(ok, g1Mul(m, ${c}_IC0X, ${c}_IC0Y, mload(sums)))`,
    ...Array.from({ length: n }, (_, j) => [
      `ok := and(ok, g1Mul(add(m, 0x40), ${c}_IC${j + 1}X, ${c}_IC${j + 1}Y, mload(${sum(j + 1)})))`,
      'ok := and(ok, g1AddInto(m))',
    ]).flat(),
    ...negAcc,
    ...g2Words('GAMMA', 'kp'),
  ];
  return ['{', ...lines.map((l) => `    ${l}`), '}'];
}

/** The Yul that hashes the whole batch into the seed the rho_i derive from. */
function seedYul(keys: BatchKey[]): string[] {
  const lines = [
    'mstore(pairs, chainid())',
    'mstore(add(pairs, 0x20), address())',
    'let h := add(pairs, 0x40)',
  ];
  keys.forEach((key, k) => {
    const name = camel(key.label);
    lines.push(
      `mstore(h, n${k})`,
      `calldatacopy(add(h, 0x20), ${name}Proofs.offset, shl(8, n${k}))`,
      `h := add(add(h, 0x20), shl(8, n${k}))`,
      `calldatacopy(h, ${name}Inputs.offset, mul(n${k}, ${hex(32 * key.vk.nPublic)}))`,
      `h := add(h, mul(n${k}, ${hex(32 * key.vk.nPublic)}))`,
    );
  });
  lines.push('let seed := keccak256(pairs, sub(h, pairs))');
  return lines;
}

const SOUNDNESS = `/// @dev Why one pairing check suffices. Proof i alone is valid iff E_i = 1, where
///      E_i = e(-A_i, B_i) e(alpha, beta) e(vk_x_i, gamma) e(C_i, delta) lies in G_T, a cyclic
///      group of prime order r: write E_i = g^e_i. By bilinearity the pairs above multiply to
///      prod_i E_i^(-rho_i) = g^-(sum_i rho_i e_i) (the scalar sums are taken mod r, the order of
///      every group involved). rho_0 = 1 and rho_i (i > 0) = the low 128 bits of
///      keccak256(seed, i), seed = keccak256(chain id, this contract, every proof's coordinates
///      and every public input, with the counts per key): the prover fixes every e_i before any
///      rho_i exists. If some e_j != 0 with j > 0, then for any fixed other values exactly one
///      rho_j mod r cancels the sum, and rho_j is uniform over 2^128 values (keccak as a random
///      oracle): a false batch passes with probability <= 2^-128 per batch the prover hashes, so
///      <= q * 2^-128 after q attempts (grinding 2^64 keccaks: 2^-64). If only e_0 != 0 the
///      product is g^-e_0 != 1: always refused. The bound needs every A_i, C_i in G1 (checked
///      here: coordinates < q and on the curve, and BN254's G1 has cofactor 1) and every B_i in
///      G2: the pairing precompile itself refuses a B off the twist or outside the order-r
///      subgroup (EIP-197: "if ... any of the inputs are not elements of the respective group
///      ... the call fails"; test/contracts/groth16-batch.test.ts shows anvil's precompile
///      refusing a twist point of order != r), so no subgroup check is paid here. Public
///      inputs must be < r (checked): otherwise s and s + r would be two encodings of one
///      statement.`;

/**
 * The library's Solidity source: one internal view function
 * verify(<key>Proofs, <key>Inputs, ...) per the keys' order, each proof a uint256[8]
 * [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y] (the precompile's order, as solidityProof
 * gives) and each input row uint256[nPublic]. False (never a revert from the library) when a key
 * has no proof, counts differ, a coordinate >= q, an input >= r, a G1 point off the curve, a B
 * refused by the precompile, or the batch equation fails. G1 points are checked before any
 * ecMul/ecAdd, so only the pairing call can fail, and a failed precompile call keeps the gas
 * forwarded to it: a bad B answers false with 1/64 of the gas left (a caller short of gas then
 * reverts out of gas instead). For a large-book token: verify(chunkProofs, chunkInputs,
 * finalProofs, finalInputs), the final proof as a one-element array.
 */
export function groth16BatchLibrary(name: string, keys: BatchKey[]): string {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new Error('library name: a Solidity identifier');
  if (keys.length === 0) throw new Error('at least one verification key');
  for (const k of keys) {
    if (
      k.vk.protocol !== 'groth16' ||
      k.vk.curve !== 'bn128' ||
      k.vk.IC.length !== k.vk.nPublic + 1
    ) {
      throw new Error(`${k.label}: expected a bn128 Groth16 key`);
    }
  }
  if (new Set(keys.map((k) => upper(k.label))).size !== keys.length) {
    throw new Error('key labels must differ');
  }
  const maxInputs = Math.max(...keys.map((k) => k.vk.nPublic));
  const pairsOffset = SUMS + 32 * (maxInputs + 1);
  const params = keys
    .map((k) => {
      const c = camel(k.label);
      return `        uint256[8][] calldata ${c}Proofs,\n        uint256[${k.vk.nPublic}][] calldata ${c}Inputs`;
    })
    .join(',\n');
  const counts = keys.map((k, i) => `let n${i} := ${camel(k.label)}Proofs.length`);
  const total = keys.slice(1).reduce((acc, _, i) => `add(${acc}, n${i + 1})`, 'n0');
  const shape = keys
    .map((k, i) => `and(gt(n${i}, 0), eq(n${i}, ${camel(k.label)}Inputs.length))`)
    .reduce((acc, e) => `and(${acc}, ${e})`);
  const body = [
    ...seedYul(keys),
    ...keys.flatMap((_, k) => keyYul(keys, k)),
    'if ok {',
    `    let success := staticcall(gas(), 0x08, pairs, mul(add(total, ${3 * keys.length}), 0xc0), m, 0x20)`,
    '    ok := and(success, mload(m))',
    '}',
  ];
  return `// Generated by scripts/contracts/generate-verifier.ts --batch from ${keys.map((k) => k.source).join(', ')}. Do not edit.
// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ${name}
/// @notice Checks a batch of Groth16 proofs (${keys.map((k) => k.label).join(', ')}) with one call to
///         the pairing precompile: n + ${3 * keys.length} pairs for n proofs, internal (inlined
///         into the caller).
/// @dev e(rho_i A_i, B_i) for every proof i, and per key: e(-alpha * sum rho_i, beta),
///      e(-(IC_0 * sum rho_i + sum_j IC_j * sum_i rho_i s_ij), gamma), e(-sum rho_i C_i, delta);
///      the product must be 1.
${SOUNDNESS}
library ${name} {
    /// @dev BN254 base field modulus q.
    uint256 internal constant Q =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @dev BN254 scalar field modulus r (the order of G1, G2 and G_T).
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
${keys.map(keyConstants).join('\n')}

    /// @notice True iff every proof verifies under its key with its public inputs. Each proof is
    ///         [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]; each key needs >= 1 proof
    ///         and one input row per proof. False, not a revert, on any malformed word (a B
    ///         refused by the pairing precompile costs the gas forwarded to it: 63/64 of the rest).
    function verify(
${params}
    ) internal view returns (bool ok) {
        assembly ("memory-safe") {
            // s * (x, y) into dst's first two words (dst: 3 words of scratch)
            function g1Mul(dst, x, y, s) -> success {
                mstore(dst, x)
                mstore(add(dst, 0x20), y)
                mstore(add(dst, 0x40), s)
                success := staticcall(gas(), 0x07, dst, 0x60, dst, 0x40)
            }
            // (a[0], a[1]) += (a[2], a[3])
            function g1AddInto(a) -> success {
                success := staticcall(gas(), 0x06, a, 0x80, a, 0x40)
            }
            // y^2 = x^3 + 3 with x, y < q: in G1 (cofactor 1); (0, 0), infinity, is refused
            function onG1(x, y, fq) -> yes {
                yes := and(
                    and(lt(x, fq), lt(y, fq)),
                    eq(mulmod(y, y, fq), addmod(mulmod(mulmod(x, x, fq), x, fq), 3, fq))
                )
            }
            // Checks proof's encoding, writes (rho A, B) at pair, adds rho C to the point at m.
            function takeProof(m, pair, proof, rho, fq) -> good {
                let ax := calldataload(proof)
                let ay := calldataload(add(proof, 0x20))
                let cx := calldataload(add(proof, 0xc0))
                let cy := calldataload(add(proof, 0xe0))
                good := and(
                    and(onG1(ax, ay, fq), onG1(cx, cy, fq)),
                    and(
                        and(lt(calldataload(add(proof, 0x40)), fq), lt(calldataload(add(proof, 0x60)), fq)),
                        and(lt(calldataload(add(proof, 0x80)), fq), lt(calldataload(add(proof, 0xa0)), fq))
                    )
                )
                if iszero(good) {
                    leave
                }
                switch eq(rho, 1)
                case 1 {
                    mstore(pair, ax)
                    mstore(add(pair, 0x20), ay)
                    mstore(add(m, 0x40), cx)
                    mstore(add(m, 0x60), cy)
                }
                default {
                    good := and(g1Mul(pair, ax, ay, rho), g1Mul(add(m, 0x40), cx, cy, rho))
                }
                calldatacopy(add(pair, 0x40), add(proof, 0x40), 0x80)
                good := and(good, g1AddInto(m))
            }

            // Scratch past the free memory pointer (not kept): point arithmetic at m, scalar
            // sums at sums, the hashed batch then the pairing input at pairs.
            let fq := Q
            let fr := R
            let m := mload(0x40)
            let sums := add(m, ${hex(SUMS)})
            let pairs := add(m, ${hex(pairsOffset)})
${ind(12, counts)}
            let total := ${total}
            ok := ${shape}
            if ok {
${ind(16, body)}
            }
        }
    }
}
`;
}

/** A key file's label: its artifact directory (artifacts/chunk-32/verification_key.json -> chunk-32). */
export const keyLabel = (file: string) => basename(dirname(file));

/** The batch library for these repo-relative key files, in this order. */
export function batchLibraryFromKeyFiles(name: string, files: string[]): string {
  return groth16BatchLibrary(
    name,
    files.map((source) => ({
      label: keyLabel(source),
      source,
      vk: JSON.parse(readFileSync(join(ROOT, source), 'utf8')) as VerificationKey,
    })),
  );
}
