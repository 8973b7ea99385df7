/**
 * The verification keys the page checks proofs against, with the sha256 of each committed
 * file: the build pins these hashes into the bundle, so a key served later that differs from
 * the committed one is refused by the browser, whatever the server sends.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PinnedKey {
  /** sha256 of the verification_key.json file as committed (hex). */
  sha256: string;
  /** The manifest's vkeyHash, which a package names. */
  vkeyHash: string;
  /** Where the page fetches it, relative to the page's assets. */
  file: string;
}

interface Manifest {
  circuits: Record<string, { vkeyHash: string; files: { vkey: { path: string } } }>;
}

/** Every circuit's key from artifacts/manifest.json, with the bytes to copy beside the page. */
export function pinnedKeys(root: string): Array<PinnedKey & { circuitId: string; bytes: Buffer }> {
  const artifacts = join(root, 'artifacts');
  const manifest = JSON.parse(readFileSync(join(artifacts, 'manifest.json'), 'utf8')) as Manifest;
  return Object.entries(manifest.circuits).map(([circuitId, entry]) => {
    const bytes = readFileSync(join(artifacts, entry.files.vkey.path));
    return {
      circuitId,
      vkeyHash: entry.vkeyHash,
      file: `vk/${circuitId}.json`,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes,
    };
  });
}
