/**
 * The offshore API's state, behind small interfaces: recorded attestations, single-use
 * challenges, the institution registry, the signer-key and FX-source registry, an
 * append-only audit log and rate-limit counters. Two implementations keep the same contract: Redis (production) and memory (demo);
 * store-validation.ts and record-listing.ts hold the helpers both share, so they cannot drift.
 */
import type { ClaimName } from '../../claims';
import type { AllocationRow } from '../../common/allocations';
import type { EgressHead } from '../../common/egress-head';
import type { JsonWebKey } from '../../common/transport-key';
import type { SignedSnapshot } from '../../common/signed-snapshot';
import type { ChainLink, EpochChainLedger, EquivocationEvidence } from '../../verifier/epoch-chain';
import type { KeyStatus, SignerSetStatus } from '../../verifier/policy';

/** The claims a package can prove (the claim registry's names). */
export type ClaimKind = ClaimName;

/** A claim parameter as published: a decimal string, a number or a list of numbers. */
export type PublicValue = string | number | number[];

/** A verified attestation as recorded offshore, keyed by its package id. */
export interface AttestationRecord {
  /** Statement id (src/common/statement-id.ts): circuit id + public signals, 64 hex digits. */
  id: string;
  claim: ClaimKind;
  circuitId: string;
  /** Snapshot commitment (decimal field element). */
  commitment: string;
  /** The signer set that signed the snapshot (64 hex digits). */
  setId: string;
  /** How many distinct members of the set had to sign. */
  threshold: number;
  /** The snapshot's epoch in its signer set's chain. */
  epoch: number;
  /** The previous snapshot's commitment in the chain (bytes32 hex). */
  prevCommitment: string;
  /** SHA-256 of the signed snapshot message (its chain link's digest). */
  digest: string;
  /** Members whose signatures checked out, with their registry labels. */
  signers: Array<{ keyId: string; label?: string }>;
  /** "signed by 2 of 3: Custodian X, Auditor Y". */
  signedBy?: string;
  /** The reporting unit every amount is in. */
  currency: string;
  decimals: number;
  /** The claim's amounts as people read them, e.g. `{ liabilities: 'USD 12,500,000.00' }`. */
  amounts: Record<string, string>;
  /** The FX rates used (absent for a one-currency book): source, its label, as-of, currencies. */
  fx?: { sourceKeyId: string; label?: string; asOf: number; currencies: string[] };
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
  /** A split coverage proof: its capacity's signed allocation rows (chain id, token, amount). */
  allocations?: AllocationRow[];
}

/** Listing filters; several combine with AND. */
export interface AttestationFilter {
  setId?: string;
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
 * Onshore institutions. Revocation is one-way: putting an entry again
 * updates its other fields but keeps its revocation, and a second revocation can only move
 * the effective time earlier.
 */
export interface RegistryStore {
  /** Registers (or updates) an institution. */
  putInstitution(entry: Omit<InstitutionEntry, 'revokedAt'>): Promise<void>;
  /**
   * Revokes from `revokedAt` (ISO); returns the revocation time now in effect (an earlier one
   * stays), or undefined if the institution is unknown.
   */
  revokeInstitution(id: string, revokedAt: string): Promise<string | undefined>;
  /** The institution, or undefined. */
  getInstitution(id: string): Promise<InstitutionEntry | undefined>;
  /** All institutions, by registeredAt then id. */
  listInstitutions(): Promise<InstitutionEntry[]>;
}

/** The registers of single P-256 keys: FX (rate table) sources (signers come in sets). */
export type KeyKind = 'fx';

/** A registered key: exactly what a verifier needs to know of it (its KeyStatus). */
export type KeyEntry = KeyStatus;

/** What registering a key takes. */
export interface KeyRegistration {
  publicKey: { x: string; y: string };
  /** If given, must be sha256(x || y) of `publicKey` (a check, never an override). */
  keyId?: string;
  /** 1..64 printable characters (KEY_LABEL_PATTERN). */
  label: string;
  /**
   * ISO time from which the key's signatures count. Absent: now for a new key, and for a key
   * already registered, whatever it was registered with (so a retried request is idempotent).
   */
  validFrom?: string;
}

/** What register did: `created` for the write that made the entry, and the entry in effect. */
export interface KeyRegisterResult {
  created: boolean;
  entry: KeyEntry;
}

/**
 * FX sources, one register per kind. An entry is write-once: registering it again with the same
 * data is a no-op, with other data CONFLICT. Revocation is one-way and the earliest effective
 * time wins: a second revocation can move it earlier, never later, and none may precede
 * validFrom (REQUEST_INVALID), so "validFrom <= t < revokedAt" stays a well-formed interval.
 */
export interface KeyRegistryStore {
  /**
   * Registers a key after checking it (KEY_MALFORMED: off the curve, keyId not the key's;
   * STORE_INVALID_ARGUMENT: bad label or time).
   * @throws ZkAttestError CONFLICT when the key is registered with another label or validFrom.
   */
  register(kind: KeyKind, registration: KeyRegistration): Promise<KeyRegisterResult>;
  /**
   * Revokes from `effectiveAt` (ISO); returns the revocation time now in effect (an earlier one
   * stays), or undefined if the key is unknown.
   * @throws ZkAttestError REQUEST_INVALID when `effectiveAt` precedes the key's validFrom.
   */
  revoke(kind: KeyKind, keyId: string, effectiveAt: string): Promise<string | undefined>;
  /** The key, or undefined (also for a string that cannot be a keyId). */
  get(kind: KeyKind, keyId: string): Promise<KeyEntry | undefined>;
  /** Every key of the kind, by validFrom then keyId. */
  list(kind: KeyKind): Promise<KeyEntry[]>;
}

/** A registered signer set: exactly what a verifier needs to know of it (its SignerSetStatus). */
export type SignerSetEntry = SignerSetStatus;

/** What registering a signer set takes. */
export interface SignerSetRegistration {
  threshold: number;
  /** 1..8 members, any order; a given keyId must be sha256(x || y) of its key. */
  signers: ReadonlyArray<{ publicKey: unknown; label: unknown; keyId?: unknown }>;
  /** As for keys: absent is now for a new set, and whatever it was for a registered one. */
  validFrom?: string;
  /** The epoch the set's chain starts at (default 0). */
  firstEpoch?: number;
}

/** What register did: `created` for the write that made the entry, and the entry in effect. */
export interface SignerSetRegisterResult {
  created: boolean;
  entry: SignerSetEntry;
}

/**
 * Signer sets by setId, with the key registry's rules: write-once (the same registration again
 * is a no-op, another label, validFrom or firstEpoch CONFLICT), revocation one-way, earliest
 * wins, never before validFrom.
 */
export interface SignerSetStore {
  /**
   * Registers a set after checking it (SIGNER_SET_INVALID, KEY_MALFORMED;
   * STORE_INVALID_ARGUMENT: bad time or firstEpoch).
   * @throws ZkAttestError CONFLICT when the set is registered with other labels, validFrom or firstEpoch.
   */
  register(registration: SignerSetRegistration): Promise<SignerSetRegisterResult>;
  /**
   * Retires the set from `effectiveAt` (ISO); returns the revocation time now in effect, or
   * undefined if the set is unknown.
   * @throws ZkAttestError REQUEST_INVALID when `effectiveAt` precedes the set's validFrom.
   */
  revoke(setId: string, effectiveAt: string): Promise<string | undefined>;
  /** The set, or undefined (also for a string that cannot be a setId). */
  get(setId: string): Promise<SignerSetEntry | undefined>;
  /** Every set, by validFrom then setId. */
  list(): Promise<SignerSetEntry[]>;
}

/** A chain link as kept: the link and the signed snapshot that proves it. */
export interface StoredChainLink extends ChainLink {
  signed: SignedSnapshot;
  /** ISO time it was recorded. */
  recordedAt: string;
}

/** What a set's chain looks like from outside. */
export interface ChainSummary {
  head: { epoch: number; commitment: string; asOf: number; digest: string } | null;
  links: number;
}

/** The most equivocation evidence kept per set (the first ones: later ones add nothing new). */
export const MAX_EVIDENCE_PER_SET = 100;

/**
 * The epoch chains of signer sets (the verifier's EpochChainLedger) plus what the API shows of
 * them. Equivocation evidence is kept once per conflicting digest, at most MAX_EVIDENCE_PER_SET.
 */
export interface EpochChainStore extends EpochChainLedger {
  summary(setId: string): Promise<ChainSummary>;
  /** Links newest (highest epoch) first; the cursor is the epoch to continue below. */
  links(setId: string, page: PageRequest): Promise<Page<StoredChainLink>>;
  /** The evidence kept, oldest first. */
  equivocations(setId: string): Promise<EquivocationEvidence[]>;
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
  /** FX sources. */
  keys: KeyRegistryStore;
  signerSets: SignerSetStore;
  chains: EpochChainStore;
  audit: AuditLog;
  rateLimiter: RateLimiter;
  /** Whether the backend answers (never throws). */
  ping(): Promise<boolean>;
  /** Releases the backend connection. */
  close(): Promise<void>;
  kind: 'redis' | 'memory';
}

/** Approximate cap of the audit log. */
export const AUDIT_MAX_LENGTH = 1_000_000;
