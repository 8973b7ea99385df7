/** crypto.subtle helpers (browsers and Node 20 alike): sha256 and hex. */

/** Bytes on a plain ArrayBuffer, as crypto.subtle takes them. */
export type Bytes = Uint8Array<ArrayBuffer>;

export async function sha256Bytes(data: Uint8Array): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(data)));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(hex: string): Bytes {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
