// PLACEHOLDER (lead): replaced by the money helper's module at merge.
export interface Unit {
  currency: string;
  decimals: number;
}
export function formatAmount(minor: bigint, unit: Unit): string {
  const s = minor.toString().padStart(unit.decimals + 1, '0');
  const int = s.slice(0, s.length - unit.decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = unit.decimals > 0 ? `.${s.slice(s.length - unit.decimals)}` : '';
  return `${unit.currency} ${int}${frac}`;
}
