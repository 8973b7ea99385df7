/**
 * File-based SnapshotSource and PackageSink for the tests and bench/workers.ts (test code:
 * production workers read the encrypted vault and write packages to Redis).
 *
 *   <sourceDir>/snapshots/<snapshotId>.json   snapshot JSON (examples/README.md), mode 0600
 *   <sourceDir>/snapshots/<snapshotId>.salt   the commitment salt, hex, mode 0600
 *   <sourceDir>/keys/<keyId>.key.json         attestor key file (writeAttestorKey), mode 0600
 *   <sinkDir>/<jobId>.json                    one attestation package per job
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { ZkAttestError } from '../../src/common/errors';
import {
  readAttestorKey,
  writeAttestorKey,
  type AttestorKey,
} from '../../src/prover/snapshot/attestor-key';
import { parseSnapshot } from '../../src/prover/snapshot/ingest-snapshot';
import type { Primitives } from '../../src/prover/snapshot/primitives';
import type { Snapshot } from '../../src/prover/snapshot/snapshot-types';
import { JOB_ID_PATTERN } from '../../src/common/ids';
import type { PackageSink, SnapshotSource } from '../../src/prover/queue/proving-worker';

function checkId(id: string, what: string): void {
  if (!JOB_ID_PATTERN.test(id)) {
    throw new ZkAttestError('REQUEST_INVALID', `not a valid ${what} id`, { field: what });
  }
}

const snapshotPath = (dir: string, id: string) => join(dir, 'snapshots', `${id}.json`);
const saltPath = (dir: string, id: string) => join(dir, 'snapshots', `${id}.salt`);
const keyPath = (dir: string, id: string) => join(dir, 'keys', `${id}.key.json`);

/** Stores a snapshot (JSON text, validated first) and its salt under `dir` as `id`. */
export function putSnapshot(dir: string, id: string, json: string, salt: bigint): void {
  checkId(id, 'snapshot');
  parseSnapshot(json, 'json');
  mkdirSync(join(dir, 'snapshots'), { recursive: true, mode: 0o700 });
  writeFileSync(snapshotPath(dir, id), json, { mode: 0o600, flag: 'wx' });
  writeFileSync(saltPath(dir, id), `${salt.toString(16)}\n`, { mode: 0o600, flag: 'wx' });
}

/** Stores an attestor key under `dir` as `keyId`. */
export function putAttestorKey(dir: string, keyId: string, key: AttestorKey): void {
  checkId(keyId, 'attestorKey');
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  writeAttestorKey(keyPath(dir, keyId), key);
}

/** Reads what putSnapshot and putAttestorKey wrote. Unknown ids are NOT_FOUND. */
export class FileSnapshotSource implements SnapshotSource {
  constructor(
    private readonly dir: string,
    private readonly primitives: Primitives,
  ) {}

  async load(snapshotId: string): Promise<{ snapshot: Snapshot; salt: bigint }> {
    checkId(snapshotId, 'snapshot');
    const file = snapshotPath(this.dir, snapshotId);
    if (!existsSync(file)) {
      throw new ZkAttestError('NOT_FOUND', `snapshot ${snapshotId} is not in the source`, {
        snapshotId,
      });
    }
    const [text, saltHex] = await Promise.all([
      readFile(file, 'utf8'),
      readFile(saltPath(this.dir, snapshotId), 'utf8').catch(() => ''),
    ]);
    const hex = saltHex.trim();
    if (!/^[0-9a-f]{1,64}$/.test(hex)) {
      throw new ZkAttestError('KEY_FILE', `the salt of snapshot ${snapshotId} is missing`, {
        snapshotId,
      });
    }
    return { snapshot: parseSnapshot(text, 'json'), salt: BigInt(`0x${hex}`) };
  }

  async attestorKey(keyId: string): Promise<AttestorKey> {
    checkId(keyId, 'attestorKey');
    const file = keyPath(this.dir, keyId);
    if (!existsSync(file)) {
      throw new ZkAttestError('NOT_FOUND', `attestor key ${keyId} is not in the source`, {
        keyId,
      });
    }
    return readAttestorKey(this.primitives, file);
  }
}

/**
 * One package file per job id, first write wins: a package is written to a temporary file and
 * hard-linked into place (atomic, never overwrites), so a retried or duplicated job (a worker
 * that lost its lock, or was killed after saving) leaves exactly one complete file.
 */
export class FilePackageSink implements PackageSink {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  async save(jobId: string, pkg: AttestationPackage): Promise<void> {
    checkId(jobId, 'job');
    const tmp = join(this.dir, `.${jobId}.${randomUUID()}.tmp`);
    await writeFile(tmp, `${JSON.stringify(pkg, null, 2)}\n`, { flush: true });
    try {
      await link(tmp, join(this.dir, `${jobId}.json`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async get(jobId: string): Promise<AttestationPackage | undefined> {
    checkId(jobId, 'job');
    try {
      return JSON.parse(await readFile(join(this.dir, `${jobId}.json`), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** The job ids that have a package. */
  jobIds(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .map((f) => f.slice(0, -'.json'.length));
  }
}
