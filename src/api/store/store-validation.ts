/**
 * Argument checks the store implementations share: a malformed argument is a caller's bug
 * (STORE_INVALID_ARGUMENT), refused before anything is written. Also the challenge nonces.
 */
import { randomBytes } from 'node:crypto';
import { isClaimName } from '../../claims';
import { allocationTableSchema } from '../../common/allocations';
import { isEgressHead } from '../../common/egress-head';
import { ZkAttestError } from '../../common/errors';
import { FIELD_ELEMENT_PATTERN, HEX64_PATTERN } from '../../common/ids';
import type { AttestationRecord, AuditEvent } from './store-contracts';

/** A 128-bit number in decimal: at most 39 digits, no leading zeros. */
const NONCE = /^(0|[1-9][0-9]{0,38})$/;

/** A caller's mistake (a bug upstream, not bad luck): STORE_INVALID_ARGUMENT. */
export function invalidArgument(field: string, message: string): ZkAttestError {
  return new ZkAttestError('STORE_INVALID_ARGUMENT', `${field}: ${message}`, { field });
}

/** Milliseconds of an ISO time, or a STORE_INVALID_ARGUMENT naming the field. */
export function isoMs(value: unknown, field: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw invalidArgument(field, 'not an ISO time');
  return ms;
}

/** An ISO time normalised to `toISOString()` form, so that strings compare as times. */
export function normalIso(value: unknown, field: string): string {
  return new Date(isoMs(value, field)).toISOString();
}

/** Checks an integer argument within bounds. */
export function checkInt(value: number, field: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(field, `not an integer in ${min}..${max}`);
  }
}

/** Checks a short non-empty string (identifiers, labels, keys). */
export function checkText(value: unknown, field: string, max = 512): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalidArgument(field, `not a string of 1..${max} characters`);
  }
}

/** Validates a record before it is written; returns its recordedAt in ms (the index score). */
export function checkRecord(rec: AttestationRecord): number {
  if (typeof rec !== 'object' || rec === null) throw invalidArgument('record', 'not an object');
  if (typeof rec.id !== 'string' || !HEX64_PATTERN.test(rec.id)) {
    throw invalidArgument('id', 'not 64 lowercase hex digits');
  }
  if (!isClaimName(rec.claim)) throw invalidArgument('claim', 'not a known claim');
  if (typeof rec.commitment !== 'string' || !FIELD_ELEMENT_PATTERN.test(rec.commitment)) {
    throw invalidArgument('commitment', 'not a decimal field element');
  }
  if (typeof rec.setId !== 'string' || !HEX64_PATTERN.test(rec.setId)) {
    throw invalidArgument('setId', 'not 64 lowercase hex digits');
  }
  if (!Array.isArray(rec.signers)) throw invalidArgument('signers', 'not an array');
  if (typeof rec.currency !== 'string' || !/^[A-Z]{3}$/.test(rec.currency)) {
    throw invalidArgument('currency', 'not an ISO 4217 code');
  }
  if (!Number.isInteger(rec.decimals)) throw invalidArgument('decimals', 'not an integer');
  if (!Number.isSafeInteger(rec.epoch)) throw invalidArgument('epoch', 'not an integer');
  if (!Number.isInteger(rec.threshold)) throw invalidArgument('threshold', 'not an integer');
  for (const f of ['prevCommitment', 'digest'] as const) {
    if (typeof rec[f] !== 'string' || !HEX64_PATTERN.test(rec[f])) {
      throw invalidArgument(f, 'not 64 lowercase hex digits');
    }
  }
  if (typeof rec.amounts !== 'object' || rec.amounts === null) {
    throw invalidArgument('amounts', 'not an object');
  }
  for (const f of ['circuitId', 'context', 'institution', 'meaning'] as const) {
    if (typeof rec[f] !== 'string') throw invalidArgument(f, 'not a string');
  }
  if (!Number.isFinite(rec.asOf)) throw invalidArgument('asOf', 'not a number');
  if (typeof rec.valid !== 'boolean') throw invalidArgument('valid', 'not a boolean');
  if (!Array.isArray(rec.reasons)) throw invalidArgument('reasons', 'not an array');
  if (typeof rec.publicValues !== 'object' || rec.publicValues === null) {
    throw invalidArgument('publicValues', 'not an object');
  }
  if (rec.egressHead !== undefined && !isEgressHead(rec.egressHead)) {
    throw invalidArgument('egressHead', 'not a seq and a 64-digit hex hash');
  }
  if (
    rec.allocations !== undefined &&
    !allocationTableSchema.safeParse({ rows: rec.allocations }).success
  ) {
    throw invalidArgument('allocations', 'not 1 to 16 allocation rows');
  }
  return isoMs(rec.recordedAt, 'recordedAt');
}

/** Validates an audit event and drops its undefined fields. */
export function cleanAuditEvent(event: AuditEvent): AuditEvent {
  checkText(event.type, 'type', 200);
  const out: AuditEvent = { type: event.type };
  for (const [k, v] of Object.entries(event)) {
    if (v === undefined) continue;
    const ok =
      typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && isFinite(v));
    if (!ok) throw invalidArgument(k, 'not a string, finite number or boolean');
    out[k] = v;
  }
  return out;
}

/** A random 128-bit nonce in decimal. */
export function newNonce(): string {
  return BigInt(`0x${randomBytes(16).toString('hex')}`).toString(10);
}

/** Whether a string can be a nonce this store issued (anything else is simply 'unknown'). */
export function isNonce(value: unknown): value is string {
  return typeof value === 'string' && NONCE.test(value);
}
