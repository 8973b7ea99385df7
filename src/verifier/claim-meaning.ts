/** Claim values and meanings come from each claim's descriptor (src/claims). */
export { claimMeaning, claimValues, type ClaimValues } from '../claims';
