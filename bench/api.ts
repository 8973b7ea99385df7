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
 * It runs once per connection count (16 and 64 by default, `--connections 16,64`) against the
 * same server; the final JSON line has p50, p99 and throughput of each run, and the Redis
 * commands the server sent per request (INFO commandstats before and after the run).
 * `--profile` runs the server under `node --cpu-prof` and prints where its CPU went, by
 * request-path stage (bench/profile-summary.ts).
 *
 *   npm run bench:api [-- --seconds 10 --connections 16,64 --warmup 2 --workers 1 --fsync-always
 *     --profile]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { profileTable } from './profile-summary';
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

/** Commands Redis has executed so far, all kinds together (INFO commandstats). */
async function redisCommands(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  return [...info.matchAll(/calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

async function main() {
  const seconds = arg('seconds', 10);
  const i = process.argv.indexOf('--connections');
  const connectionRuns = (i > 0 ? process.argv[i + 1]! : '16,64').split(',').map(Number);
  const fsync = process.argv.includes('--fsync-always') ? 'always' : 'everysec';
  const profileDir = process.argv.includes('--profile')
    ? mkdtempSync(join(tmpdir(), 'zkattest-api-profile-'))
    : undefined;
  const redis = await startRedis(fsync);
  const stats = new Redis(redis.url);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(
    process.execPath,
    [
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      '--require',
      'tsx/cjs',
      join(ROOT, 'src/entry-points/api-server.ts'),
    ],
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
    const body = () => bodies[next++ % bodies.length];
    // A short unmeasured run first: the first batches compile code and start the curve's
    // threads, which would otherwise land in the first measured run's p99.
    const warmup = arg('warmup', 2);
    if (warmup > 0) {
      console.log(`warm-up: ${warmup} s`);
      await autocannon({
        url,
        connections: connectionRuns[0],
        duration: warmup,
        requests: [
          {
            method: 'POST',
            path: '/v1/attestations',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: body() }),
          },
        ],
      });
    }
    const runs = [];
    let requests = 0;
    for (const connections of connectionRuns) {
      const statuses = new Map<number, number>();
      console.log(`autocannon: ${connections} connections, ${seconds} s, POST /v1/attestations`);
      const commandsBefore = await redisCommands(stats);
      const result = await autocannon({
        url,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: '/v1/attestations',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: body() }),
            onResponse: (status) => statuses.set(status, (statuses.get(status) ?? 0) + 1),
          },
        ],
      });
      // Less this INFO call itself.
      const commands = (await redisCommands(stats)) - commandsBefore - 1;
      const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
      requests += answered;
      const recorded = statuses.get(201) ?? 0;
      const accepted = recorded + (statuses.get(200) ?? 0);
      const run = {
        connections,
        recorded,
        accepted,
        acceptedPerSec: Math.round((accepted / seconds) * 10) / 10,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        redisCommandsPerRequest: Math.round((commands / Math.max(1, answered)) * 100) / 100,
        other: Object.fromEntries([...statuses].filter(([s]) => s !== 201 && s !== 200)),
        errors: result.errors,
        timeouts: result.timeouts,
      };
      runs.push(run);
      console.log(
        `${connections} connections: accepted ${accepted} submissions (${recorded} recorded) ` +
          `in ${seconds} s: ${run.acceptedPerSec}/s, ` +
          `latency p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, ` +
          `${run.redisCommandsPerRequest} Redis commands per request`,
      );
    }
    const figures = {
      bench: 'api',
      seconds,
      warmupSeconds: warmup,
      redisAppendfsync: fsync,
      serverWorkers: arg('workers', 1),
      signerSet: `${set.threshold} of ${set.signers.length}`,
      signaturesPerPackage: base.signatures.length,
      runs,
    };
    if (profileDir) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
      // The main thread's profile (thread id 0); worker threads write their own.
      const file = readdirSync(profileDir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
      if (!file) throw new Error(`no CPU profile in ${profileDir}`);
      console.log(`CPU profile ${join(profileDir, file)}, by stage:`);
      console.log(profileTable(join(profileDir, file), requests));
    }
    console.log(JSON.stringify(figures));
  } finally {
    server.kill('SIGTERM');
    stats.disconnect();
    await redis.stop();
    await terminateSnarkjsCurve();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
