import type { Snapshot } from '../snapshot/snapshot-types';

/**
 * The strings that would betray a snapshot if they appeared in anything leaving onshore:
 * each identifier and asset id, each value (minor units, and in currency units as written),
 * and the salt (decimal and hex). Liabilities are left out: the coverage claim makes them public.
 */
export function sensitiveStrings(snapshot: Snapshot, salt: bigint): string[] {
  const out = new Set<string>([salt.toString(), salt.toString(16)]);
  for (const p of snapshot.positions) {
    out.add(p.identifier);
    out.add(p.assetId.toString());
    out.add(p.assetId.toString(16));
    // Short numbers occur by chance inside long ones; scan values of 6 digits or more.
    if (p.value >= 100_000n) {
      out.add(p.value.toString());
      // As written: in the position's own minor unit (a JPY value has 0 decimals in a USD book).
      const scale = 10n ** BigInt(p.decimals);
      const frac = (p.value % scale).toString().padStart(p.decimals, '0');
      out.add(p.decimals ? `${p.value / scale}.${frac}` : `${p.value / scale}`);
    }
  }
  return [...out];
}

/**
 * The sensitive strings found in `bytes` (empty: nothing leaked). Compared in one spelling:
 * identifiers are kept canonical (NFKC, upper case; see asset-id.ts), so the same identifier in
 * another case or width, or the salt's hex in upper case, is found too.
 */
export function findLeaks(bytes: Uint8Array | string, sensitive: readonly string[]): string[] {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  const folded = fold(text);
  return sensitive.filter((s) => folded.includes(fold(s)));
}

function fold(text: string): string {
  return text.normalize('NFKC').toUpperCase();
}
