/**
 * HTTP benchmark of the offshore API: sustained recorded attestations per second and latency,
 * with autocannon on loopback for a bounded duration, against the real server process on a
 * real redis-server.
 *
 * Each request is a distinct package (a re-randomized proof of a real statement, see
 * test/support/rerandomize.ts) in a freshly signed ES256 envelope, so every request pays the
 * envelope check, Groth16 verification, the 2-of-3 signer set's two P-256 signatures, a Redis
 * read and an audit write. One statement is one
 * record, so only the first copy is recorded (201); the others answer 200 with that record.
 * Distinct statements would need a fresh proof each (about 1.5 s), so the figure is accepted
 * submissions per second (201 + 200).
 * The policy uses a fixed context (as a contract does) instead of one challenge per proof,
 * since challenges would need a new proof each.
 *
 * Redis runs with AOF persistence and `appendfsync everysec` (its production default);
 * `--fsync-always` fsyncs every write instead.
 *
 *   npm run bench:api [-- --seconds 10 --connections 16 --workers 1 --fsync-always]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { signEnvelope } from '../src/common/transport-envelope';
import { generateTransportKey } from '../src/common/transport-key';
import { loadManifest } from '../src/common/artifact-manifest';
import { AttestationFactory } from '../test/support/attestation-factory';
import { startRedis } from '../test/support/redis-server';
import { rerandomize } from '../test/support/rerandomize';
import { terminateSnarkjsCurve } from '../src/common/snarkjs-teardown';

const ROOT = join(__dirname, '..');
const ADMIN = 'bench-admin-token-0123456789abcdef';
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function main() {
  const seconds = arg('seconds', 10);
  const connections = arg('connections', 16);
  const fsync = process.argv.includes('--fsync-always') ? 'always' : 'everysec';
  const redis = await startRedis(fsync);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', join(ROOT, 'src/entry-points/api-server.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        REDIS_URL: redis.url,
        ADMIN_TOKEN: ADMIN,
        ALLOW_DEVELOPMENT_KEYS: 'true',
        REQUIRE_CHALLENGE: 'false',
        WRITE_RATE_LIMIT_PER_MINUTE: '100000000',
        LOG_LEVEL: 'warn',
        WORKERS: String(arg('workers', 1)),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 100) throw new Error('the API did not become ready');
      await new Promise((r) => setTimeout(r, 200));
    }
    const post = (path: string, body: object) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify(body),
      }).then(async (r) => {
        if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      });

    const factory = await AttestationFactory.create();
    const { privateJwk, publicJwk } = await generateTransportKey('ES256');
    await post('/v1/admin/institutions', {
      id: 'bench-bank',
      name: 'Bench Bank',
      alg: 'ES256',
      publicKeyJwk: publicJwk,
    });
    // A 2-of-3 signer set (custodian, auditor, trustee); packages carry two signatures, which
    // every submission checks (checkSignatures) beside the proof.
    const set = await factory.signerSet(2, [1, 2, 3], ['Custodian', 'Auditor', 'Trustee']);
    await post('/v1/admin/signer-sets', {
      threshold: set.threshold,
      signers: set.signers.map(({ publicKey, label }) => ({ publicKey, label })),
      validFrom: new Date(0).toISOString(),
    });

    // Enough distinct packages for the whole run at up to 1,000/s.
    const needed = seconds * 1000;
    const base = await factory.package({ context: 1n, set, signWith: [1, 2] });
    const vk = JSON.parse(
      readFileSync(
        join(ROOT, 'artifacts', loadManifest().circuits[base.circuitId]!.files.vkey.path),
        'utf8',
      ),
    );
    console.log(`preparing ${needed} distinct packages...`);
    const bodies: string[] = [];
    for (let i = 0; i < needed; i++) {
      const pkg = { ...base, proof: await rerandomize(vk, base.proof) };
      const envelope = await signEnvelope(Buffer.from(JSON.stringify(pkg)), {
        alg: 'ES256',
        privateJwk,
        kid: 'bench-bank',
      });
      bodies.push(JSON.stringify({ envelope }));
    }

    let next = 0;
    const statuses = new Map<number, number>();
    console.log(`autocannon: ${connections} connections, ${seconds} s, POST /v1/attestations`);
    const result = await autocannon({
      url,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/v1/attestations',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
          onResponse: (status) => statuses.set(status, (statuses.get(status) ?? 0) + 1),
        },
      ],
    });
    const recorded = statuses.get(201) ?? 0;
    const accepted = recorded + (statuses.get(200) ?? 0);
    const figures = {
      bench: 'api',
      seconds,
      connections,
      redisAppendfsync: fsync,
      serverWorkers: arg('workers', 1),
      signerSet: `${set.threshold} of ${set.signers.length}`,
      signaturesPerPackage: base.signatures.length,
      recorded,
      accepted,
      acceptedPerSec: Math.round((accepted / seconds) * 10) / 10,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      other: Object.fromEntries([...statuses].filter(([s]) => s !== 201 && s !== 200)),
      errors: result.errors,
      timeouts: result.timeouts,
    };
    console.log(
      `accepted ${accepted} submissions (${recorded} recorded) in ${seconds} s: ` +
        `${figures.acceptedPerSec}/s, ` +
        `latency p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    server.kill('SIGTERM');
    await redis.stop();
    await terminateSnarkjsCurve();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
