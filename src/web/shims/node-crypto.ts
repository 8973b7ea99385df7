/**
 * The bundle's `node:crypto`: the shared modules the page reuses (src/common/hash.ts through
 * snapshot-message.ts, fx-table.ts, statement-id.ts) only ever call createHash('sha256'),
 * synchronously, which crypto.subtle cannot do; @noble/hashes does.
 */
import { sha256 } from '@noble/hashes/sha256';

interface Hash {
  update(data: Uint8Array | string): Hash;
  digest(encoding: 'hex'): string;
}

const toHex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export function createHash(algorithm: string): Hash {
  if (algorithm !== 'sha256') throw new Error(`only sha256 in the browser, not ${algorithm}`);
  const h = sha256.create();
  const hash: Hash = {
    update(data) {
      h.update(typeof data === 'string' ? new TextEncoder().encode(data) : data);
      return hash;
    },
    digest: () => toHex(h.digest()),
  };
  return hash;
}

/** Key objects are the server's (p256.ts); the page verifies with crypto.subtle instead. */
export function createPublicKey(): never {
  throw new Error('node:crypto key objects are not available in the browser');
}
export function verify(): never {
  throw new Error('node:crypto verify is not available in the browser: use crypto.subtle');
}
