import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ZkAttestError } from '../../common/errors';
import type { Primitives } from './primitives';
import { readSecretFile, writeSecretFile } from './secret-file';
import { HEX64_PATTERN } from '../../common/ids';

/** "zkattest.snapshot.v1" as an integer: the domain tag of every signed snapshot message. */
export const SNAPSHOT_DOMAIN = BigInt(`0x${Buffer.from('zkattest.snapshot.v1').toString('hex')}`);

const KEY_TYPE = 'zkattest.attestor-key/v1';
const keyFileSchema = z.strictObject({
  type: z.literal(KEY_TYPE),
  privateKey: z.string().regex(HEX64_PATTERN),
});

/** A Baby Jubjub EdDSA-Poseidon attestor key. */
export interface AttestorKey {
  privateKey: Uint8Array;
  publicKey: [bigint, bigint];
  /** Poseidon(Ax, Ay): how the key appears in public signals and registries. */
  keyHash: bigint;
}

/** The signature of a snapshot, in circuit form. */
export interface SnapshotSignature {
  R8x: bigint;
  R8y: bigint;
  S: bigint;
}

/** Derives the public key and key hash of a 32-byte private key. */
export function attestorKeyFrom(p: Primitives, privateKey: Uint8Array): AttestorKey {
  if (privateKey.length !== 32) throw new ZkAttestError('KEY_INVALID', 'a private key is 32 bytes');
  const publicKey = p.toAffine(p.eddsa.prv2pub(privateKey));
  return { privateKey, publicKey, keyHash: p.poseidon(publicKey) };
}

/** A new random attestor key. */
export function newAttestorKey(p: Primitives): AttestorKey {
  return attestorKeyFrom(p, randomBytes(32));
}

/** Writes the private key file, readable by its owner only (0600). */
export function writeAttestorKey(file: string, key: AttestorKey): void {
  writeSecretFile(file, {
    type: KEY_TYPE,
    privateKey: Buffer.from(key.privateKey).toString('hex'),
  });
}

/** Reads a private key file written by `writeAttestorKey`. */
export function readAttestorKey(p: Primitives, file: string): AttestorKey {
  const { privateKey } = readSecretFile(file, keyFileSchema, 'attestor key');
  return attestorKeyFrom(p, Buffer.from(privateKey, 'hex'));
}

/** The message an attestor signs: Poseidon(SNAPSHOT_DOMAIN, commitment, asOf). */
export function snapshotMessage(p: Primitives, commitment: bigint, asOf: number): bigint {
  return p.poseidon([SNAPSHOT_DOMAIN, commitment, BigInt(asOf)]);
}

/** Signs a snapshot commitment at its as-of time (EdDSA-Poseidon, deterministic). */
export function signSnapshot(
  p: Primitives,
  key: AttestorKey,
  commitment: bigint,
  asOf: number,
): SnapshotSignature {
  const msg = p.eddsa.F.e(snapshotMessage(p, commitment, asOf));
  const sig = p.eddsa.signPoseidon(key.privateKey, msg);
  const [R8x, R8y] = p.toAffine(sig.R8);
  return { R8x, R8y, S: sig.S };
}
