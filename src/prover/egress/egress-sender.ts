/**
 * The one egress path: an attestation package, cleared by the egress guard, signed into a
 * transport envelope with the institution's key, POSTed to a configured offshore endpoint, and
 * logged (whatever the outcome) in the hash-chained egress log.
 *
 * The request body is exactly `{"envelope":"<compact JWS>"}`: nothing but the package leaves.
 * Only configured destinations can be used, redirects are refused (the bytes go to the
 * configured URL or nowhere), and every request has a timeout.
 */
import { clearForEgress } from './egress-guard';
import { ZkAttestError } from '../../common/errors';
import { sha256Hex } from '../../common/hash';
import { statementId } from '../../common/statement-id';
import {
  TRANSPORT_ALGS,
  signEnvelope,
  type JsonWebKey,
  type TransportAlg,
} from '../../common/transport-envelope';
import type { EgressEntry, EgressLog, EgressOutcome } from './egress-log';

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
}

/** What a send did. */
export interface EgressResult {
  /** The log entry appended for this send. */
  entry: EgressEntry;
  /** The id the offshore side recorded the package under (201/200 only). */
  offshoreId?: string;
  /** The exact request body bytes sent (their SHA-256 is `entry.sha256`). */
  body: Buffer;
  /** The offshore answer's JSON, if any. */
  response?: unknown;
}

const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const DEFAULT_TIMEOUT_MS = 15_000;

/** Sends attestation packages to configured offshore endpoints and logs every egress. */
export class EgressSender {
  private readonly destinations = new Map<string, EgressDestination>();
  private readonly log: EgressLog;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly fetchFn: typeof fetch;

  /** @throws ZkAttestError EGRESS_CONFIG_INVALID for a bad or duplicate destination. */
  constructor(opts: EgressSenderOptions) {
    for (const d of opts.destinations) {
      const checked = checkDestination(d);
      if (this.destinations.has(checked.name)) {
        throw configInvalid(`destination ${checked.name} is configured twice`);
      }
      this.destinations.set(checked.name, checked);
    }
    this.log = opts.log;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs <= 0) {
      throw configInvalid('timeoutMs is a positive integer');
    }
    this.now = opts.now ?? (() => new Date());
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** The configured destination names. */
  destinationNames(): string[] {
    return [...this.destinations.keys()];
  }

  /**
   * Clears `candidate` through the egress guard, signs it, POSTs it to the destination's
   * `/v1/attestations` and appends the log entry, whatever the offshore answer.
   *
   * @throws ZkAttestError EGRESS_REFUSED (unknown destination, or the guard refused the
   *   candidate: nothing is sent or logged), KEY_INVALID (the signing key: nothing sent),
   *   STORE_UNAVAILABLE (the send happened but the log append failed).
   */
  async send(candidate: unknown, destinationName: string): Promise<EgressResult> {
    const destination =
      typeof destinationName === 'string' ? this.destinations.get(destinationName) : undefined;
    if (!destination) {
      throw new ZkAttestError('EGRESS_REFUSED', 'egress refused: unknown destination', {
        destination: String(destinationName).slice(0, 64),
      });
    }
    const cleared = clearForEgress(candidate);
    const envelope = await signEnvelope(cleared.bytes, {
      alg: destination.alg,
      privateJwk: destination.privateJwk,
      kid: destination.institutionId,
    });
    const body = Buffer.from(JSON.stringify({ envelope }), 'utf8');
    const url = endpointOf(destination.url);
    const at = this.now().toISOString();

    let httpStatus = 0;
    let response: unknown;
    try {
      const res = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      httpStatus = res.status;
      const text = await res.text().catch(() => '');
      try {
        response = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        response = undefined;
      }
    } catch {
      httpStatus = 0;
    }

    const offshoreId = recordedId(response);
    // The offshore side keeps one record per statement, under the statement's id.
    const recordId = statementId(cleared.package);
    const entry = await this.log.append({
      destination: destination.name,
      url,
      at,
      packageId: cleared.id,
      statementId: recordId,
      sha256: sha256Hex(body),
      bytes: body.length,
      httpStatus,
      outcome: outcomeOf(httpStatus, offshoreId, recordId),
    });
    return { entry, body, ...(offshoreId ? { offshoreId } : {}), response };
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

function checkDestination(d: EgressDestination): EgressDestination {
  if (d === null || typeof d !== 'object') throw configInvalid('a destination is an object');
  if (typeof d.name !== 'string' || !NAME_PATTERN.test(d.name)) {
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
  if (typeof d.institutionId !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(d.institutionId)) {
    throw configInvalid(`destination ${d.name}: bad institutionId`);
  }
  if (d.privateJwk === null || typeof d.privateJwk !== 'object' || !d.privateJwk.d) {
    throw configInvalid(`destination ${d.name}: privateJwk is a private JWK`);
  }
  return { ...d, url: d.url.replace(/\/+$/, '') };
}
