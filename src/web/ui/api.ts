/**
 * The offshore API as the page reads it: relative URLs only (same origin). Record fields the
 * server may not send (older or newer shapes) are optional, and the page shows nothing for a
 * field that is absent.
 */

export interface NamedSigner {
  keyId: string;
  label?: string;
}

export interface RecordView {
  id: string;
  claim: string;
  circuitId: string;
  commitment: string;
  setId?: string;
  epoch?: number;
  threshold?: number;
  prevCommitment?: string;
  signers?: NamedSigner[];
  signedBy?: string;
  currency: string;
  decimals: number;
  amounts?: Record<string, string>;
  asOf: number;
  context: string;
  institution: string;
  valid: boolean;
  reasons: string[];
  meaning: string;
  package: unknown;
  recordedAt: string;
}

export interface ListPage {
  items: RecordView[];
  nextCursor?: string;
}

export interface ChainLink {
  epoch: number;
  commitment: string;
  asOf: number;
}

export interface SignerSetView {
  setId: string;
  threshold: number;
  signers: NamedSigner[];
  validFrom?: string;
  revokedAt?: string;
  firstEpoch?: number;
  chain?: { head: ChainLink | null; links: number };
  equivocations?: unknown[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
  if (!res.ok) throw new ApiError(res.status, body.error?.code ?? `HTTP_${res.status}`);
  return body as T;
}

export interface ListFilter {
  setId?: string;
  claim?: string;
  commitment?: string;
  cursor?: string;
}

export function listAttestations(filter: ListFilter, limit = 20): Promise<ListPage> {
  const q = new URLSearchParams({ limit: String(limit) });
  for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
  return getJson<ListPage>(`/v1/attestations?${q}`);
}

export function getAttestation(id: string): Promise<RecordView> {
  return getJson<RecordView>(`/v1/attestations/${encodeURIComponent(id)}`);
}

/** The signer set with its chain, or undefined where the server has no such endpoint or set. */
export async function getSignerSet(setId: string): Promise<SignerSetView | undefined> {
  try {
    return await getJson<SignerSetView>(`/v1/signer-sets/${encodeURIComponent(setId)}`);
  } catch {
    return undefined;
  }
}
