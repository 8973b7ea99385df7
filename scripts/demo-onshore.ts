/**
 * The demo's onshore service mode (when REDIS_URL is set): the snapshot goes into the encrypted
 * vault through the staff API, a `zkattest worker` process proves the claims from the queue, and
 * the service sends each package through the audited egress path. With a signer set, the
 * service holds the claims until k members have uploaded their signatures of the snapshot
 * message it serves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { AttestationPackage } from '../src/common/attestation-package';
import { createLogger } from '../src/common/logger';
import type { JsonWebKey } from '../src/common/transport-envelope';
import type { SignerKey } from '../src/common/p256-signer';
import type { SignedFxTable } from '../src/common/signed-fx-table';
import {
  parseMessageFile,
  type DetachedSignature,
  type SnapshotMessageJson,
} from '../src/common/signed-snapshot';
import type { SignerSet } from '../src/common/signer-set';
import type { ClaimParams } from '../src/prover';
import { buildOnshoreService, type OnshoreService } from '../src/prover/service/onshore-service';
import { tokenHash } from '../src/prover/service/onshore-users';
import {
  KEY_CHECK_ID,
  masterKeysFromEnv,
  newMasterKeySecret,
  RedisVaultStore,
  Vault,
} from '../src/prover/vault';
import { closeRedisClient, createRedisClient } from '../src/common/redis-client';

export interface DemoOnshore {
  snapshotId: string;
  /** The snapshot message the set's members signed (co-signing only). */
  message?: SnapshotMessageJson;
  /** Proves a claim on a worker (showing live progress), returns the package and proof time. */
  prove(
    label: string,
    params: ClaimParams,
    context: string,
  ): Promise<{ jobId: string; pkg: AttestationPackage; proveMs: number }>;
  /** Sends a proven package offshore through the egress path; returns the offshore HTTP status. */
  send(jobId: string): Promise<{ httpStatus: number; outcome: string }>;
  close(): Promise<void>;
}

/** Starts the onshore service on loopback and one worker process, and uploads the snapshot. */
export async function startDemoOnshore(opts: {
  redisUrl: string;
  offshoreUrl: string;
  transport: { privateJwk: JsonWebKey };
  /** The custodian's P-256 snapshot signer key: sealed into the vault, used by the worker. */
  signerKey: SignerKey;
  /**
   * Co-signing instead: the service serves the snapshot message and waits for k members'
   * detached signatures, which `sign` makes (as each member's `zkattest sign` would).
   */
  cosign?: {
    set: SignerSet;
    sign(message: SnapshotMessageJson): Promise<DetachedSignature[]>;
  };
  /** The snapshot's signed FX table, for a book in several currencies (Zkattest-Fx header). */
  fx?: SignedFxTable;
  /**
   * The snapshot file's text and its media type (text/csv or application/json), or a
   * custodian's export as multipart form parts (export, mapping, asOf, liabilities).
   */
  upload: { text: string; type: string } | { form: FormData };
}): Promise<DemoOnshore> {
  // A throwaway master key each run, under its own id: the vault then never tries it on an
  // earlier run's entries (sealed under another id), whatever order Redis lists them in.
  const masterKeyId = `demo-${randomBytes(6).toString('hex')}`;
  const masterEnv = {
    ZKATTEST_MASTER_KEYS: `${masterKeyId}:${newMasterKeySecret()}`,
    ZKATTEST_MASTER_KEY_ID: masterKeyId,
  };
  const masterKeys = await masterKeysFromEnv(masterEnv);
  const keyStore = new RedisVaultStore(opts.redisUrl);
  // The demo draws a throwaway master key each run: on a Redis kept from an earlier run, drop
  // that run's master key check value, or the worker would (rightly) refuse this key.
  const raw = createRedisClient(opts.redisUrl);
  await raw.del(keyStore.keyOf(KEY_CHECK_ID));
  await closeRedisClient(raw);
  // (Sealing the key also writes this master key's check value, which the worker checks.)
  const signerKeyId = await new Vault(keyStore, masterKeys).putSignerKey(
    opts.signerKey,
    'demo signer',
  );
  await keyStore.close();
  const token = randomBytes(24).toString('hex');
  const service: OnshoreService = buildOnshoreService({
    redisUrl: opts.redisUrl,
    masterKeys,
    users: [{ name: 'demo-operator', role: 'admin', tokenSha256: tokenHash(token) }],
    ...(opts.cosign ? { signerSet: opts.cosign.set } : { signerKeyId }),
    destinations: [
      {
        name: 'offshore',
        url: opts.offshoreUrl,
        institutionId: 'mainland-custodian',
        privateJwk: opts.transport.privateJwk,
        alg: 'ES256',
      },
    ],
    logger: createLogger('warn'),
  });
  const server = await new Promise<Server>((resolve) => {
    const s = service.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const worker: ChildProcess = spawn(
    process.execPath,
    [join(__dirname, '..', 'bin', 'zkattest.cjs'), 'worker'],
    {
      env: { ...process.env, REDIS_URL: opts.redisUrl, ...masterEnv, ZKATTEST_PROVER_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let last = '';
    worker.once('exit', () => reject(new Error(`the worker exited during start-up: ${last}`)));
    worker.stdout!.on('data', (chunk: Buffer) => {
      last = chunk.toString().trim();
      if (last.includes('"event":"ready"')) resolve();
    });
  });
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
    extra: Record<string, string> = {},
  ) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        // FormData sets its own multipart content type (with the boundary).
        ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': type } : {}),
        ...extra,
      },
      body:
        body === undefined
          ? undefined
          : typeof body === 'string' || body instanceof FormData
            ? body
            : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`onshore ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const uploaded = await call(
    'POST',
    '/v1/snapshots?label=demo',
    'form' in opts.upload ? opts.upload.form : opts.upload.text,
    'form' in opts.upload ? undefined : opts.upload.type,
    opts.fx ? { 'zkattest-fx': Buffer.from(JSON.stringify(opts.fx)).toString('base64') } : {},
  );
  // Co-signing: each member signs the message the service serves and uploads its signature.
  let message: SnapshotMessageJson | undefined;
  if (opts.cosign) {
    message = parseMessageFile(await call('GET', `/v1/snapshots/${uploaded.id}/message`)).message;
    for (const signature of await opts.cosign.sign(message)) {
      await call('POST', `/v1/snapshots/${uploaded.id}/signatures`, signature);
    }
  }
  return {
    snapshotId: uploaded.id as string,
    ...(message ? { message } : {}),
    async prove(label, params, context) {
      // ClaimParams are in their canonical JSON encoding: the API body as they are.
      const { jobId } = (await call('POST', `/v1/snapshots/${uploaded.id}/claims`, {
        ...params,
        context,
      })) as { jobId: string };
      let shown = -1;
      for (;;) {
        const status = await call('GET', `/v1/jobs/${jobId}`);
        const progress = Number(status.progress);
        // Live progress on a terminal; elsewhere (logs, CI) only the final line.
        if (process.stdout.isTTY && progress !== shown) {
          process.stdout.write(
            `\r  proving    ${label.padEnd(32)} worker progress ${String(progress).padStart(3)}%`,
          );
          shown = progress;
        }
        if (status.state === 'completed') {
          if (process.stdout.isTTY) process.stdout.write('\r');
          const pkg = (await call(
            'GET',
            `/v1/jobs/${jobId}/package`,
          )) as unknown as AttestationPackage;
          return { jobId, pkg, proveMs: Number(status.proveMs ?? 0) };
        }
        if (status.state === 'failed') throw new Error(`job ${jobId} failed`);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    async send(jobId) {
      const sent = await call('POST', `/v1/jobs/${jobId}/send`, { destination: 'offshore' });
      return { httpStatus: Number(sent.httpStatus), outcome: String(sent.outcome) };
    },
    async close() {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
      await new Promise((r) => server.close(r));
      await service.close();
    },
  };
}
