/**
 * File-based SnapshotSource and PackageSink for the tests and bench/workers.ts (test code:
 * production workers read the encrypted vault and write packages to Redis).
 *
 *   <sourceDir>/snapshots/<snapshotId>.json   snapshot JSON (examples/README.md), mode 0600
 *   <sourceDir>/snapshots/<snapshotId>.salt   the commitment salt, hex, mode 0600
 *   <sourceDir>/snapshots/<snapshotId>.fx.json its signed FX table, if any (`zkattest fx sign`)
 *   <sourceDir>/keys/<keyId>.key.json         P-256 signer key file (writeSignerKeyFile), 0600
 *   <sinkDir>/<jobId>.json                    one attestation package per job
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { ZkAttestError } from '../../src/common/errors';
import {
  signerFromKeyFile,
  writeSignerKeyFile,
  type Signer,
  type SignerKey,
} from '../../src/common/p256-signer';
import type { SignedFxTable } from '../../src/common/signed-fx-table';
import { checkSnapshotFx } from '../../src/prover/vault/snapshot-fx';
import { parseSnapshot } from '../../src/prover/snapshot/ingest-snapshot';
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
const fxPath = (dir: string, id: string) => join(dir, 'snapshots', `${id}.fx.json`);
const keyPath = (dir: string, id: string) => join(dir, 'keys', `${id}.key.json`);

/** Stores a snapshot (JSON text, validated first), its salt and FX table under `dir` as `id`. */
export function putSnapshot(
  dir: string,
  id: string,
  json: string,
  salt: bigint,
  fx?: SignedFxTable,
): void {
  checkId(id, 'snapshot');
  parseSnapshot(json, 'json');
  mkdirSync(join(dir, 'snapshots'), { recursive: true, mode: 0o700 });
  writeFileSync(snapshotPath(dir, id), json, { mode: 0o600, flag: 'wx' });
  writeFileSync(saltPath(dir, id), `${salt.toString(16)}\n`, { mode: 0o600, flag: 'wx' });
  if (fx) writeFileSync(fxPath(dir, id), JSON.stringify(fx), { mode: 0o600, flag: 'wx' });
}

/** Stores a signer key under `dir` as `keyId`. */
export function putSignerKey(dir: string, keyId: string, key: SignerKey): void {
  checkId(keyId, 'signerKey');
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  writeSignerKeyFile(keyPath(dir, keyId), key);
}

/** Reads what putSnapshot and putSignerKey wrote. Unknown ids are NOT_FOUND. */
export class FileSnapshotSource implements SnapshotSource {
  constructor(private readonly dir: string) {}

  async load(
    snapshotId: string,
  ): Promise<{ snapshot: Snapshot; salt: bigint; fx?: SignedFxTable }> {
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
    const snapshot = parseSnapshot(text, 'json');
    const fxFile = fxPath(this.dir, snapshotId);
    // Checked as the vault checks an upload.
    const fx = await checkSnapshotFx(
      snapshot,
      existsSync(fxFile) ? JSON.parse(await readFile(fxFile, 'utf8')) : undefined,
    );
    return { snapshot, salt: BigInt(`0x${hex}`), ...(fx ? { fx } : {}) };
  }

  async signer(keyId: string): Promise<Signer> {
    checkId(keyId, 'signerKey');
    const file = keyPath(this.dir, keyId);
    if (!existsSync(file)) {
      throw new ZkAttestError('NOT_FOUND', `signer key ${keyId} is not in the source`, {
        keyId,
      });
    }
    return signerFromKeyFile(file);
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
