/**
 * The one egress path: an attestation package, cleared by the egress guard and the leak scan,
 * logged as an intent in the hash-chained egress log, signed into a transport envelope with the
 * institution's key (carrying the log head the intent follows), POSTed to a configured offshore
 * endpoint, and its outcome logged. Nothing is sent unless the intent was logged first.
 *
 * The request body is exactly `{"envelope":"<compact JWS>"}`: nothing but the package leaves.
 * Only configured destinations can be used, redirects are refused (the bytes go to the
 * configured URL or nowhere), and every request has a timeout.
 */
import { clearForEgress, type ClearedPackage } from './egress-guard';
import { findLeaks } from './leak-scan';
import { ZkAttestError } from '../../common/errors';
import { sha256Hex } from '../../common/hash';
import { statementId } from '../../common/statement-id';
import { z } from 'zod';
import {
  CONFIG_NAME_PATTERN,
  CONFIG_NAME_RULE,
  INSTITUTION_ID_RULE,
  isInstitutionId,
} from '../../common/ids';
import {
  TRANSPORT_ALGS,
  signEnvelope,
  type JsonWebKey,
  type TransportAlg,
} from '../../common/transport-envelope';
import { evidenceAt, type ExportBasis, type OnshoreAnchor } from './export-basis';
import {
  INVALID_DESTINATION,
  type EgressEvidenceFields,
  type EgressEntry,
  type EgressLog,
  type EgressOutcome,
  type EgressRefusalReason,
} from './egress-log';

/** A configured offshore endpoint. */
export interface EgressDestination {
  /** The name senders use; 1..64 of [A-Za-z0-9._-]. */
  name: string;
  /** The offshore API base URL (http or https, no query or fragment). */
  url: string;
  /** The institution id registered offshore: the envelope's `kid`. */
  institutionId: string;
  /** The institution's private transport JWK (stays onshore). */
  privateJwk: JsonWebKey;
  alg: TransportAlg;
}

/**
 * The shape of a destinations file (ONSHORE_DESTINATIONS): a list of strict destination
 * objects. Messages state rules only, never values: `privateJwk` is a secret.
 */
export const egressDestinationsSchema = z.array(
  z.strictObject({
    name: z.string().regex(CONFIG_NAME_PATTERN, `must be ${CONFIG_NAME_RULE}`),
    url: z.string().refine((v) => URL.canParse(v), 'must be an http(s) URL'),
    institutionId: z.string().refine(isInstitutionId, `must be ${INSTITUTION_ID_RULE}`),
    alg: z.enum(TRANSPORT_ALGS as [TransportAlg, ...TransportAlg[]], {
      error: `must be one of ${TRANSPORT_ALGS.join(', ')}`,
    }),
    privateJwk: z
      .looseObject({ kty: z.string(), d: z.string() }, { error: 'must be a private JWK' })
      .transform((jwk): JsonWebKey => jwk),
  }),
  { error: 'must be a JSON array of destinations' },
);

/** Options of an {@link EgressSender}. */
export interface EgressSenderOptions {
  destinations: readonly EgressDestination[];
  log: EgressLog;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** The clock (tests). */
  now?: () => Date;
  /** The fetch to use (default: global fetch). */
  fetch?: typeof fetch;
  /**
   * The custodian's export basis (ONSHORE_EXPORT_BASIS_FILE): every entry logged carries it and
   * its retention date. Unset: entries carry neither.
   */
  exportBasis?: ExportBasis;
}

/** Per-send options. */
export interface SendOptions {
  /**
   * The strings that must not leave (leak-scan.ts `sensitiveStrings` of the package's snapshot
   * and salt), resolved at send time. When it throws, nothing is sent.
   */
  sensitive?: () => Promise<readonly string[]>;
  /** The onshore anchor of the package's snapshot, when known: its intent and outcome carry it. */
  onshoreAnchor?: OnshoreAnchor;
}

/** What a send did. */
export interface EgressResult {
  /** The intent entry, logged before the bytes left; its prevHash is the head they carry. */
  intent: EgressEntry & { kind: 'intent' };
  /** The outcome entry, logged after the answer. */
  entry: EgressEntry & { kind: 'outcome' };
  /** The id the offshore side recorded the package under (201/200 only). */
  offshoreId?: string;
  /** The exact request body bytes sent (their SHA-256 is `intent.sha256`). */
  body: Buffer;
  /** The offshore answer's JSON, if any. */
  response?: unknown;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Sends attestation packages to configured offshore endpoints and logs every egress. */
export class EgressSender {
  private readonly destinations: ReadonlyMap<string, EgressDestination>;
  private readonly log: EgressLog;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly fetchFn: typeof fetch;
  private readonly exportBasis: ExportBasis | undefined;

  /** @throws ZkAttestError EGRESS_CONFIG_INVALID for a bad or duplicate destination. */
  constructor(opts: EgressSenderOptions) {
    this.destinations = checkEgressDestinations(opts.destinations);
    this.log = opts.log;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs <= 0) {
      throw configInvalid('timeoutMs is a positive integer');
    }
    this.now = opts.now ?? (() => new Date());
    this.fetchFn = opts.fetch ?? fetch;
    this.exportBasis = opts.exportBasis;
  }

  /** The evidence fields of an entry logged now (with the snapshot's anchor, when sent). */
  private stamp(anchor?: OnshoreAnchor): { at: string } & EgressEvidenceFields {
    const at = this.now().toISOString();
    return {
      at,
      ...evidenceAt(this.exportBasis, at),
      ...(anchor ? { onshoreAnchor: anchor } : {}),
    };
  }

  /** The configured destination names. */
  destinationNames(): string[] {
    return [...this.destinations.keys()];
  }

  /**
   * Sends `candidate` to a configured destination, in this order: the destination, the egress
   * guard and the leak scan (each refusal is logged, and nothing is sent); the intent entry is
   * logged, with the envelope signed over the head it follows; the envelope is POSTed to the
   * destination's `/v1/attestations`; the outcome entry is logged, whatever the answer.
   *
   * @throws ZkAttestError EGRESS_REFUSED (unknown destination, guard refusal, a leak: logged,
   *   nothing sent), KEY_INVALID (the signing key: logged, nothing sent), STORE_UNAVAILABLE
   *   (the log could not be written: before the intent, nothing was sent; after it, details
   *   carry `intentSeq` and the package may have crossed, as the intent records).
   */
  async send(
    candidate: unknown,
    destinationName: string,
    opts: SendOptions = {},
  ): Promise<EgressResult> {
    const destination =
      typeof destinationName === 'string' ? this.destinations.get(destinationName) : undefined;
    if (!destination) {
      const asked =
        typeof destinationName === 'string' && CONFIG_NAME_PATTERN.test(destinationName)
          ? destinationName
          : INVALID_DESTINATION;
      await this.refuse(asked, 'unknown-destination');
      throw new ZkAttestError('EGRESS_REFUSED', 'egress refused: unknown destination', {
        destination: asked,
      });
    }
    const cleared = await this.clear(candidate, destination.name, opts);
    const url = endpointOf(destination.url);

    // The offshore side keeps one record per statement, under the statement's id.
    const recordId = statementId(cleared.package);
    let body = Buffer.alloc(0);
    let intent: EgressEntry;
    try {
      intent = await this.log.appendAtHead(async (head) => {
        const envelope = await signEnvelope(cleared.bytes, {
          alg: destination.alg,
          privateJwk: destination.privateJwk,
          kid: destination.institutionId,
          egressHead: head,
        });
        body = Buffer.from(JSON.stringify({ envelope }), 'utf8');
        return {
          kind: 'intent',
          destination: destination.name,
          url,
          institution: destination.institutionId,
          ...this.stamp(opts.onshoreAnchor),
          packageId: cleared.id,
          statementId: recordId,
          sha256: sha256Hex(body),
          bytes: body.length,
        };
      });
    } catch (err) {
      if (err instanceof ZkAttestError && err.code === 'KEY_INVALID') {
        await this.refuse(destination.name, 'key', cleared.id);
      }
      throw err;
    }

    const sent = intent as EgressEntry & { kind: 'intent' };
    const { httpStatus, response } = await this.deliver(url, body);
    const offshoreId = recordedId(response);
    let entry: EgressEntry;
    try {
      entry = await this.log.append({
        kind: 'outcome',
        intentSeq: intent.seq,
        destination: destination.name,
        url,
        ...this.stamp(opts.onshoreAnchor),
        packageId: cleared.id,
        statementId: recordId,
        // The bytes this answer is about: the intent's.
        sha256: sent.sha256,
        bytes: sent.bytes,
        httpStatus,
        outcome: outcomeOf(httpStatus, offshoreId, recordId),
      });
    } catch (err) {
      const error = new ZkAttestError(
        'STORE_UNAVAILABLE',
        'the package was sent but its outcome could not be logged; reconcile resolves it',
        { intentSeq: intent.seq, httpStatus },
      );
      error.cause = err;
      throw error;
    }
    return {
      intent: intent as EgressEntry & { kind: 'intent' },
      entry: entry as EgressEntry & { kind: 'outcome' },
      body,
      ...(offshoreId ? { offshoreId } : {}),
      response,
    };
  }

  /** The guard, then the leak scan; each refusal is logged before it is thrown. */
  private async clear(
    candidate: unknown,
    destination: string,
    opts: SendOptions,
  ): Promise<ClearedPackage> {
    let cleared: ClearedPackage;
    try {
      cleared = clearForEgress(candidate);
    } catch (err) {
      await this.refuse(destination, 'guard');
      throw err;
    }
    if (!opts.sensitive) return cleared;
    let sensitive: readonly string[];
    try {
      sensitive = await opts.sensitive();
    } catch (err) {
      await this.refuse(destination, 'leak-scan-unavailable', cleared.id);
      throw err;
    }
    const leaks = findLeaks(cleared.bytes, sensitive);
    if (leaks.length > 0) {
      await this.refuse(destination, 'leak', cleared.id);
      // The count only: the leaked strings are exactly what must not be shown.
      throw new ZkAttestError(
        'EGRESS_REFUSED',
        `egress refused: the package carries ${leaks.length} snapshot identifier(s), value(s) or the salt`,
        { leaks: leaks.length },
      );
    }
    return cleared;
  }

  private async refuse(
    destination: string,
    reason: EgressRefusalReason,
    packageId?: string,
  ): Promise<void> {
    await this.log.append({
      kind: 'refusal',
      destination,
      ...this.stamp(),
      reason,
      ...(packageId ? { packageId } : {}),
    });
  }

  /** POSTs `body`; a network error or timeout is status 0, never an exception. */
  private async deliver(
    url: string,
    body: Buffer,
  ): Promise<{ httpStatus: number; response: unknown }> {
    try {
      const res = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text().catch(() => '');
      let response: unknown;
      try {
        response = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        response = undefined;
      }
      return { httpStatus: res.status, response };
    } catch {
      return { httpStatus: 0, response: undefined };
    }
  }
}

/** The submit endpoint of an offshore API base URL. */
export function endpointOf(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1/attestations`;
}

function outcomeOf(status: number, offshoreId: string | undefined, id: string): EgressOutcome {
  // 200/201 that does not name our package's statement is not a receipt for it.
  if (status === 201) return offshoreId === id ? 'recorded' : 'failed';
  if (status === 200) return offshoreId === id ? 'existing' : 'failed';
  if (status >= 400 && status < 500) return 'rejected';
  return 'failed';
}

function recordedId(response: unknown): string | undefined {
  if (response === null || typeof response !== 'object') return undefined;
  const attestation = (response as { attestation?: unknown }).attestation;
  if (attestation === null || typeof attestation !== 'object') return undefined;
  const id = (attestation as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

function configInvalid(message: string): ZkAttestError {
  return new ZkAttestError('EGRESS_CONFIG_INVALID', `egress config: ${message}`);
}

/**
 * The destinations by name, each checked (url without query or user, a private JWK, ...).
 * @throws ZkAttestError EGRESS_CONFIG_INVALID for a bad or duplicate destination.
 */
export function checkEgressDestinations(
  list: readonly EgressDestination[],
): Map<string, EgressDestination> {
  const byName = new Map<string, EgressDestination>();
  for (const d of list) {
    const checked = checkDestination(d);
    if (byName.has(checked.name)) {
      throw configInvalid(`destination ${checked.name} is configured twice`);
    }
    byName.set(checked.name, checked);
  }
  return byName;
}

function checkDestination(d: EgressDestination): EgressDestination {
  if (d === null || typeof d !== 'object') throw configInvalid('a destination is an object');
  if (typeof d.name !== 'string' || !CONFIG_NAME_PATTERN.test(d.name)) {
    throw configInvalid('a destination name is 1..64 of [A-Za-z0-9._-]');
  }
  let url: URL;
  try {
    url = new URL(d.url);
  } catch {
    throw configInvalid(`destination ${d.name} has no valid url`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username) {
    throw configInvalid(`destination ${d.name}: url is http(s) without query, fragment or user`);
  }
  if (!TRANSPORT_ALGS.includes(d.alg)) throw configInvalid(`destination ${d.name}: bad alg`);
  if (typeof d.institutionId !== 'string' || !isInstitutionId(d.institutionId)) {
    throw configInvalid(`destination ${d.name}: institutionId is ${INSTITUTION_ID_RULE}`);
  }
  if (d.privateJwk === null || typeof d.privateJwk !== 'object' || !d.privateJwk.d) {
    throw configInvalid(`destination ${d.name}: privateJwk is a private JWK`);
  }
  return { ...d, url: d.url.replace(/\/+$/, '') };
}
