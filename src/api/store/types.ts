/**
 * The offshore API's state, behind small interfaces: recorded attestations, single-use
 * challenges, the attestor/institution registry, an append-only audit log and rate-limit
 * counters. Two implementations keep the same contract: Redis (production) and memory (demo).
 *
 * The bottom of this file holds the contract helpers both implementations share (validation,
 * nonces, cursors and the listing walk), so the two cannot drift apart.
 */
import { randomBytes } from 'node:crypto';
import { ZkAttestError } from '../../common/errors';
import { FIELD_ELEMENT_PATTERN } from '../../common/ids';
import type { JsonWebKey } from '../../common/transport-key';
import { isEgressHead, type EgressHead } from '../../common/egress-head';

/** The claims a package can prove. */
export type ClaimKind = 'coverage' | 'yield-range' | 'concentration';

/** A claim parameter as published: a decimal string, a number or a list of numbers. */
export type PublicValue = string | number | number[];

/** A verified attestation as recorded offshore, one per statement. */
export interface AttestationRecord {
  /** Statement id (src/common/statement-id.ts): circuit id + public signals, 64 hex digits. */
  id: string;
  claim: ClaimKind;
  circuitId: string;
  /** Snapshot commitment (decimal field element). */
  commitment: string;
  /** Attestor key hash (decimal field element). */
  attestor: string;
  /** Snapshot as-of time, Unix seconds. */
  asOf: number;
  /** The proof's context (usually a challenge nonce), decimal. */
  context: string;
  /** Id of the onshore institution that submitted the package. */
  institution: string;
  valid: boolean;
  reasons: string[];
  /** What the proof establishes, in plain words. */
  meaning: string;
  /** The claim's named public parameters. */
  publicValues: Record<string, PublicValue>;
  /** The first package recorded for the statement, as received. */
  package: unknown;
  /** ISO time the record was written; orders listings. */
  recordedAt: string;
  /** The sender's egress log head its envelope carried (first submission), if any. */
  egressHead?: EgressHead;
}

/** Listing filters; several combine with AND. */
export interface AttestationFilter {
  attestor?: string;
  claim?: ClaimKind;
  commitment?: string;
}

/** A page request: `cursor` from the previous page's `nextCursor`. */
export interface PageRequest {
  cursor?: string;
  /** 1..MAX_LIST_LIMIT. */
  limit: number;
}

/**
 * A page, newest first. `nextCursor` is set while the listing may go on; a filtered page can
 * hold fewer than `limit` items (even none) and still carry a cursor: keep paging until it is
 * absent.
 */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** What putIfAbsent did: `created` for the one write that won, and the stored record. */
export interface PutResult {
  created: boolean;
  record: AttestationRecord;
}

/** Recorded attestations: write-once by id, listed newest first. */
export interface AttestationStore {
  /**
   * Stores the record unless one with its id exists. The first write wins; later ones (also
   * concurrent ones) get the stored record with `created: false`.
   */
  putIfAbsent(rec: AttestationRecord): Promise<PutResult>;
  /** The record with this id, or undefined. */
  get(id: string): Promise<AttestationRecord | undefined>;
  /** Records matching the filter, newest first (by recordedAt, then id), in stable pages. */
  list(filter: AttestationFilter, page: PageRequest): Promise<Page<AttestationRecord>>;
}

/** What consuming a challenge found: first use, an earlier use, or no such live nonce. */
export type ChallengeState = 'ok' | 'unknown' | 'used';

/** A freshly issued challenge. */
export interface IssuedChallenge {
  /** Random 128-bit number, decimal. */
  nonce: string;
  /** ISO time after which the nonce is unknown. */
  expiresAt: string;
}

/** Single-use challenges (nonces) that bind one proof to one verification. */
export interface ChallengeStore {
  /** Issues a random 128-bit nonce that lives `ttlSeconds`. */
  issue(ttlSeconds: number): Promise<IssuedChallenge>;
  /**
   * Uses the nonce up, atomically: 'ok' for exactly one caller, then 'used' until the nonce's
   * TTL passes, 'unknown' if never issued or expired. A caller naming a `consumer` (e.g. a
   * package id) gets 'ok' again for that same consumer, so a resubmission is not refused.
   */
  consume(nonce: string, consumer?: string): Promise<ChallengeState>;
  /** The nonce's state, without consuming it. */
  peek(nonce: string): Promise<ChallengeState>;
}

/** A registered attestor key. */
export interface AttestorEntry {
  /** Attestor key hash (decimal field element), as in a package's public signals. */
  keyHash: string;
  label: string;
  /** ISO time from which the key's signatures count. */
  registeredAt: string;
  /** ISO effective time of revocation, if revoked. */
  revokedAt?: string;
}

/** A registered onshore institution: who may submit packages, with its envelope key. */
export interface InstitutionEntry {
  id: string;
  name: string;
  alg: 'ES256' | 'EdDSA';
  /** Public key that verifies the institution's transport envelopes. */
  publicKeyJwk: JsonWebKey;
  registeredAt: string;
  revokedAt?: string;
}

/**
 * Attestor keys and onshore institutions. Revocation is one-way: putting an entry again
 * updates its other fields but keeps its revocation, and a second revocation can only move
 * the effective time earlier.
 */
export interface RegistryStore {
  /** Registers (or updates) an attestor key. */
  putAttestor(entry: Omit<AttestorEntry, 'revokedAt'>): Promise<void>;
  /**
   * Revokes from `revokedAt` (ISO); returns the revocation time now in effect (an earlier one
   * stays), or undefined if the key is unknown.
   */
  revokeAttestor(keyHash: string, revokedAt: string): Promise<string | undefined>;
  /** The attestor key, or undefined. */
  getAttestor(keyHash: string): Promise<AttestorEntry | undefined>;
  /** All attestor keys, by registeredAt then keyHash. */
  listAttestors(): Promise<AttestorEntry[]>;
  /** Registers (or updates) an institution. */
  putInstitution(entry: Omit<InstitutionEntry, 'revokedAt'>): Promise<void>;
  /** As revokeAttestor, for an institution. */
  revokeInstitution(id: string, revokedAt: string): Promise<string | undefined>;
  /** The institution, or undefined. */
  getInstitution(id: string): Promise<InstitutionEntry | undefined>;
  /** All institutions, by registeredAt then id. */
  listInstitutions(): Promise<InstitutionEntry[]>;
}

/** An audit event: a type and flat scalar fields (undefined fields are dropped). */
export interface AuditEvent {
  type: string;
  [k: string]: string | number | boolean | undefined;
}

/** An audit event with its log id (a Redis stream id, `<ms>-<seq>`). */
export interface AuditEntry {
  id: string;
  event: AuditEvent;
}

/** The append-only audit log (capped at about AUDIT_MAX_LENGTH events). */
export interface AuditLog {
  /** Appends an event; returns its id. */
  append(event: AuditEvent): Promise<string>;
  /** The latest `count` events, oldest first. */
  read(count: number): Promise<AuditEntry[]>;
}

/** A rate-limit decision. */
export interface RateLimitResult {
  allowed: boolean;
  /** Hits left in the current window. */
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** Fixed-window counters: a window starts at its first hit and lasts `windowSeconds`. */
export interface RateLimiter {
  /** Counts one hit on `key`; allowed while the window's count is at most `limit`. */
  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult>;
}

/** Everything the API keeps, from one backend. */
export interface Stores {
  attestations: AttestationStore;
  challenges: ChallengeStore;
  registry: RegistryStore;
  audit: AuditLog;
  rateLimiter: RateLimiter;
  /** Whether the backend answers (never throws). */
  ping(): Promise<boolean>;
  /** Releases the backend connection. */
  close(): Promise<void>;
  kind: 'redis' | 'memory';
}

// ---------------------------------------------------------------------------------------------
// Contract helpers shared by the implementations (not re-exported from the store's index).

/** Largest page a listing serves. */
export const MAX_LIST_LIMIT = 1000;
/** Index entries one list call may walk before it returns a short page with a cursor. */
export const LIST_SCAN_BUDGET = 2000;
/** Approximate cap of the audit log. */
export const AUDIT_MAX_LENGTH = 1_000_000;

const CLAIMS: readonly string[] = ['coverage', 'yield-range', 'concentration'];
const HEX64 = /^[0-9a-f]{64}$/;
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
  if (typeof rec.id !== 'string' || !HEX64.test(rec.id)) {
    throw invalidArgument('id', 'not 64 lowercase hex digits');
  }
  if (!CLAIMS.includes(rec.claim)) throw invalidArgument('claim', 'not a known claim');
  for (const f of ['commitment', 'attestor'] as const) {
    if (typeof rec[f] !== 'string' || !FIELD_ELEMENT_PATTERN.test(rec[f])) {
      throw invalidArgument(f, 'not a decimal field element');
    }
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

/** The indexes a record belongs to: the global one and one per filterable field. */
export function recordIndexes(rec: AttestationRecord): string[] {
  return ['all', `attestor:${rec.attestor}`, `claim:${rec.claim}`, `commitment:${rec.commitment}`];
}

/** Newest-first order of index entries: recordedAt descending, then id descending. */
export function newestFirst(a: { ms: number; id: string }, b: { ms: number; id: string }): number {
  if (a.ms !== b.ms) return b.ms - a.ms;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Index primitives an implementation provides to the shared listing walk. */
export interface IndexSource {
  /** Number of entries in the index. */
  size(index: string): Promise<number>;
  /**
   * Up to `count` ids that follow `afterId` in the index, newest first (from the top without
   * `afterId`); undefined when `afterId` is not in the index.
   */
  after(index: string, afterId: string | undefined, count: number): Promise<string[] | undefined>;
  /** Records by id; undefined where absent. */
  records(ids: string[]): Promise<Array<AttestationRecord | undefined>>;
}

type IndexKind = 'all' | keyof AttestationFilter;
const FILTER_KINDS = ['commitment', 'attestor', 'claim'] as const;

function badCursor(message: string): ZkAttestError {
  return new ZkAttestError('REQUEST_INVALID', message, { field: 'cursor' });
}

function encodeCursor(kind: IndexKind, id: string): string {
  return Buffer.from(`1|${kind}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { kind: IndexKind; id: string } {
  const [version, kind, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const kinds: readonly string[] = ['all', ...FILTER_KINDS];
  if (version !== '1' || !kinds.includes(kind) || !HEX64.test(id ?? '')) {
    throw badCursor('the cursor is not one this listing issued');
  }
  return { kind: kind as IndexKind, id };
}

/**
 * Lists through one index, newest first, filtering the other fields in code (indexes are never
 * intersected: under Redis Cluster they live in different slots). Without a cursor the smallest
 * matching index is walked; the cursor names that index, so every page of one listing walks the
 * same index even if another becomes smaller meanwhile. The cursor is the last id walked: an
 * index only grows, so "entries after this id" neither repeats nor skips an entry.
 */
export async function listFromIndexes(
  source: IndexSource,
  filter: AttestationFilter,
  page: PageRequest,
): Promise<Page<AttestationRecord>> {
  checkInt(page.limit, 'limit', 1, MAX_LIST_LIMIT);
  const present = FILTER_KINDS.filter((k) => filter[k] !== undefined);
  const indexOf = (kind: IndexKind) => (kind === 'all' ? 'all' : `${kind}:${filter[kind]}`);

  let kind: IndexKind;
  let after: string | undefined;
  if (page.cursor !== undefined) {
    ({ kind, id: after } = decodeCursor(page.cursor));
    const fits = present.length === 0 ? kind === 'all' : present.some((k) => k === kind);
    if (!fits) throw badCursor('the cursor belongs to a listing with other filters');
  } else if (present.length <= 1) {
    kind = present[0] ?? 'all';
  } else {
    // Most selective index first; ties keep FILTER_KINDS order, so the choice is deterministic.
    const sizes = await Promise.all(present.map((k) => source.size(indexOf(k))));
    kind = present[sizes.indexOf(Math.min(...sizes))];
  }
  const index = indexOf(kind);
  const residual = present.filter((k) => k !== kind);
  const matches = (r: AttestationRecord) => residual.every((k) => r[k] === filter[k]);

  const items: AttestationRecord[] = [];
  let walked = 0;
  for (;;) {
    const want = page.limit - items.length;
    // One id beyond what is needed tells whether a next page exists.
    const count = residual.length ? Math.min(200, Math.max(50, want + 1)) : want + 1;
    const ids = await source.after(index, after, count);
    if (ids === undefined) throw badCursor('the cursor does not belong to this listing');
    const records = await source.records(ids);
    for (let i = 0; i < ids.length; i++) {
      // `after` is always set here: limit and budget are at least 1, so an id was walked.
      if (items.length === page.limit || walked === LIST_SCAN_BUDGET) {
        return { items, nextCursor: encodeCursor(kind, after!) };
      }
      after = ids[i];
      walked++;
      const rec = records[i];
      if (rec && matches(rec)) items.push(rec);
    }
    if (ids.length < count) return { items };
  }
}
