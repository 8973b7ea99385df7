import type { FxTable } from '../../common/fx-table';
import type { Snapshot } from '../snapshot/snapshot-types';

/**
 * The strings that would betray a snapshot if they appeared in anything leaving onshore:
 * each identifier and asset id, each value (minor units, and in currency units as written),
 * and the salt (decimal and hex). Liabilities are left out: the coverage claim makes them
 * public. So is a value that equals a rate of the snapshot's FX table (`fx`): the table is
 * public and travels in the package, so finding that number says nothing about a position.
 */
export function sensitiveStrings(snapshot: Snapshot, salt: bigint, fx?: FxTable): string[] {
  const out = new Set<string>([salt.toString(), salt.toString(16)]);
  const rates = new Set(fx?.rows.map((r) => r.rate) ?? []);
  for (const p of snapshot.positions) {
    out.add(p.identifier);
    out.add(p.assetId.toString());
    out.add(p.assetId.toString(16));
    // Short numbers occur by chance inside long ones; scan values of 6 digits or more.
    if (p.value >= 100_000n && !rates.has(p.value.toString())) {
      out.add(p.value.toString());
      // As written: in the position's own minor unit (a JPY value has 0 decimals in a USD book).
      const scale = 10n ** BigInt(p.decimals);
      const frac = (p.value % scale).toString().padStart(p.decimals, '0');
      out.add(p.decimals ? `${p.value / scale}.${frac}` : `${p.value / scale}`);
    }
  }
  return [...out];
}

// Letters and digits of any script: what a token (a number, a hex string, a word) is made of.
const WORD = /[\p{L}\p{N}]/u;

/**
 * The sensitive strings found in `bytes` (empty: nothing leaked). Compared in one spelling:
 * identifiers are kept canonical (NFKC, upper case; see asset-id.ts), so the same identifier in
 * another case or width, or the salt's hex in upper case, is found too.
 *
 * A match counts as a whole token only: it must not continue a longer run of letters and
 * digits on either side. A package is made of such runs (proof coordinates and hashes of 77
 * digits, FX rates like 137900000000, keys and signatures in hex), and a position value such
 * as 137900 or an identifier such as AB12 occurs inside them by chance; a value written as a
 * token of its own does not. Leading zeros are part of the token they pad (a value or the
 * salt zero-padded into a hex64 field is found).
 */
export function findLeaks(bytes: Uint8Array | string, sensitive: readonly string[]): string[] {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  const folded = fold(text);
  return sensitive.filter((s) => s.length > 0 && occursAsToken(folded, fold(s)));
}

function occursAsToken(text: string, needle: string): boolean {
  const wordStart = WORD.test(needle[0]!);
  const wordEnd = WORD.test(needle[needle.length - 1]!);
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    const after = text[end];
    if (wordEnd && after !== undefined && WORD.test(after)) continue;
    if (wordStart && !startsToken(text, at)) continue;
    return true;
  }
  return false;
}

/** Whether `text[at]` begins a token, skipping the zeros that may pad it on the left. */
function startsToken(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && text[i] === '0') i--;
  return i < 0 || !WORD.test(text[i]!);
}

function fold(text: string): string {
  return text.normalize('NFKC').toUpperCase();
}
