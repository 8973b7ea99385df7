import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZkAttestError } from './errors';
import { sha256Hex } from './hash';
import type { ArtifactManifest, CircuitEntry } from './artifact-manifest';

/** Reads an artifact file and checks it against its manifest hash. */
export function readArtifact(
  dir: string,
  file: CircuitEntry['files'][keyof CircuitEntry['files']],
): Buffer {
  const path = join(dir, file.path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new ZkAttestError('ARTIFACT_MISSING', `missing circuit artifact ${file.path}`, {
      file: file.path,
    });
  }
  if (sha256Hex(bytes) !== file.sha256) {
    throw new ZkAttestError('ARTIFACT_MISMATCH', `${file.path} does not match its manifest hash`, {
      file: file.path,
    });
  }
  return bytes;
}

/**
 * The circuit ids of a manifest that prove a given claim in one proof, smallest first. The
 * final circuits of large books (with a chunk circuit) are not among them: their proof alone
 * proves nothing without the chain of chunk proofs behind it.
 */
export function circuitsForClaim(manifest: ArtifactManifest, claim: string): string[] {
  return Object.entries(manifest.circuits)
    .filter(([, entry]) => entry.claim === claim && entry.chunkCircuit === undefined)
    .sort(([, a], [, b]) => a.maxPositions - b.maxPositions)
    .map(([id]) => id);
}

/** The smallest circuit of `claim` that holds `positions` positions, or undefined. */
export function circuitForClaim(
  manifest: ArtifactManifest,
  claim: string,
  positions: number,
): string | undefined {
  return circuitsForClaim(manifest, claim).find(
    (id) => manifest.circuits[id]!.maxPositions >= positions,
  );
}

/**
 * The slot count of the circuit `prove` uses for a book of `positions` positions (the
 * commitment, hence the signed snapshot message, depends on it): for the named claim, or the
 * one count every claim's circuit agrees on, so that one signed message serves every claim.
 *
 * @throws ZkAttestError CIRCUIT_UNKNOWN when no circuit holds the book, USAGE when the claims'
 *   circuits disagree and no claim is named.
 */
export function snapshotSlots(
  manifest: ArtifactManifest,
  positions: number,
  claims: readonly string[],
): number {
  const counts = new Set<number>();
  for (const name of claims) {
    const id = circuitForClaim(manifest, name, positions);
    if (id !== undefined) counts.add(manifest.circuits[id]!.maxPositions);
  }
  if (counts.size === 0) {
    throw new ZkAttestError('CIRCUIT_UNKNOWN', `no circuit holds ${positions} positions`);
  }
  if (counts.size > 1) {
    throw new ZkAttestError('USAGE', 'the claims differ in circuit slots: name one with --claim');
  }
  return [...counts][0]!;
}
