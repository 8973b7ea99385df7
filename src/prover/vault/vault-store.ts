/**
 * Where the vault keeps its entries: opaque records (strings the vault has already encrypted)
 * by id. The store sees no plaintext and no key; it only has to be durable and to offer the two
 * conditional writes the vault relies on (create-only, and compare-and-swap for rotation).
 */

/** One stored record. */
export interface VaultStoreEntry {
  id: string;
  record: string;
}

/** The vault's storage. Ids are 1..64 characters of [A-Za-z0-9_-]. */
export interface VaultStore {
  /** The record stored under `id`, or undefined. */
  get(id: string): Promise<string | undefined>;
  /**
   * Writes `record` under `id`. Without `expected`, only if `id` is free (create); with it,
   * only if the stored record is exactly `expected` (compare-and-swap). True when written.
   */
  put(id: string, record: string, expected?: string): Promise<boolean>;
  /** Every id, in no particular order. */
  list(): Promise<string[]>;
  /** Every record, a page at a time; an id removed while scanning is skipped. */
  scan(): AsyncIterable<VaultStoreEntry>;
  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** The id format every store accepts (the vault draws 32 hex characters). */
export const VAULT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** An in-memory store: for the demo and tests; everything is lost with the process. */
export class MemoryVaultStore implements VaultStore {
  private readonly records = new Map<string, string>();

  async get(id: string): Promise<string | undefined> {
    return this.records.get(id);
  }

  async put(id: string, record: string, expected?: string): Promise<boolean> {
    const current = this.records.get(id);
    if (expected === undefined ? current !== undefined : current !== expected) return false;
    this.records.set(id, record);
    return true;
  }

  async list(): Promise<string[]> {
    return [...this.records.keys()];
  }

  async *scan(): AsyncIterable<VaultStoreEntry> {
    for (const id of [...this.records.keys()]) {
      const record = this.records.get(id);
      if (record !== undefined) yield { id, record };
    }
  }

  async close(): Promise<void> {
    // Nothing to release.
  }
}
