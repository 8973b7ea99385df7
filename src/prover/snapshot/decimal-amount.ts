/**
 * Exact decimal-string to minor-unit conversion. Amounts never pass through a JS number:
 * a float cannot represent most cent values exactly, and a snapshot must sum to the cent.
 */

// Digits, optionally a dot followed by at least one digit. No sign, exponent or separators.
const DECIMAL_PATTERN = /^([0-9]+)(?:\.([0-9]+))?$/;

/** Converts a decimal string like "12345.67" to integer minor units, or undefined when invalid. */
export function toMinorUnits(text: string, decimals: number): bigint | undefined {
  if (!Number.isSafeInteger(decimals) || decimals < 0) {
    return undefined;
  }
  const match = DECIMAL_PATTERN.exec(text.trim());
  if (match === null) {
    return undefined;
  }
  const whole = match[1];
  const fraction = match[2] ?? '';
  // More fractional digits than the minor unit holds would need rounding: refuse instead.
  if (fraction.length > decimals) {
    return undefined;
  }
  return BigInt(whole + fraction.padEnd(decimals, '0'));
}
