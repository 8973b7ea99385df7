/**
 * The verification key of a circuit, fetched from the page's own origin and accepted only if
 * its bytes hash to the sha256 pinned into the bundle at build time: a server that swaps the
 * key cannot make a forged proof pass in the browser.
 */
import { sha256Bytes, toHex } from './web-crypto';

export type KeyAnswer =
  | { ok: true; vk: Record<string, unknown> }
  | { ok: false; why: 'unknown-circuit' | 'vkey-hash' | 'pin-mismatch' | 'unreachable' };

const cache = new Map<string, Record<string, unknown>>();

export async function pinnedVerificationKey(
  circuitId: string,
  vkeyHash: string,
  base: string,
  fetcher: typeof fetch = fetch,
): Promise<KeyAnswer> {
  const pin = Object.hasOwn(__PINNED_KEYS__, circuitId) ? __PINNED_KEYS__[circuitId] : undefined;
  if (!pin) return { ok: false, why: 'unknown-circuit' };
  if (pin.vkeyHash !== vkeyHash) return { ok: false, why: 'vkey-hash' };
  const known = cache.get(circuitId);
  if (known) return { ok: true, vk: known };
  let bytes: Uint8Array;
  try {
    const res = await fetcher(`${base}${pin.file}`);
    if (!res.ok) return { ok: false, why: 'unreachable' };
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch {
    return { ok: false, why: 'unreachable' };
  }
  if (toHex(await sha256Bytes(bytes)) !== pin.sha256) return { ok: false, why: 'pin-mismatch' };
  const vk = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  cache.set(circuitId, vk);
  return { ok: true, vk };
}
