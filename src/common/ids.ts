/**
 * The patterns of identifiers and decimal field elements, in one place so that what one side
 * of the border writes the other side accepts.
 */

/**
 * An institution id: what the offshore API registers and what an envelope's `kid` names (the
 * onshore egress config signs with it). 2..63 of lowercase letters, digits and dashes, not
 * starting with a dash: safe in URLs, Redis keys and log lines, and case cannot make two.
 */
export const INSTITUTION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** The longest institution id. */
export const MAX_INSTITUTION_ID_LENGTH = 63;
/** How INSTITUTION_ID_PATTERN reads in an error message. */
export const INSTITUTION_ID_RULE =
  '2..63 lowercase letters, digits and dashes, not starting with a dash';

/** Whether `value` is an institution id. */
export function isInstitutionId(value: unknown): value is string {
  return typeof value === 'string' && INSTITUTION_ID_PATTERN.test(value);
}

/**
 * Digits of the largest decimal field element: both the BN254 scalar field r (public signals)
 * and its base field q (proof coordinates) are 77-digit numbers. The range check against r or q
 * comes after (src/common/field.ts); this bound only keeps longer strings out of BigInt.
 */
export const FIELD_ELEMENT_MAX_DIGITS = 77;
/** A decimal field element candidate: no sign, no leading zeros, at most 77 digits. */
export const FIELD_ELEMENT_PATTERN = new RegExp(
  `^(0|[1-9][0-9]{0,${FIELD_ELEMENT_MAX_DIGITS - 1}})$`,
);

/** Ids of proving jobs and of what they name onshore: 1..128 path-safe, no leading dot. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A SHA-256 digest in lowercase hex, and the ids derived from one (records, packages, keys). */
export const HEX64_PATTERN = /^[0-9a-f]{64}$/;

/**
 * A name an operator writes in config (master key ids, egress destination names, queue names):
 * short, printable, none of the separators of the env formats (`:` `,` `=`), safe in Redis keys.
 */
export const CONFIG_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** How CONFIG_NAME_PATTERN reads in an error message. */
export const CONFIG_NAME_RULE = '1..64 of [A-Za-z0-9._-]';

/**
 * A registered key's label (signer keys, FX sources): 1..64 printable characters, any script,
 * but no control, format (bidi overrides, zero-width), private-use or unassigned characters and
 * no line breaks: it ends up in log lines, audit events and operators' screens.
 */
export const KEY_LABEL_PATTERN = /^[^\p{C}\p{Zl}\p{Zp}]{1,64}$/u;
/** How KEY_LABEL_PATTERN reads in an error message. */
export const KEY_LABEL_RULE = '1..64 printable characters';
