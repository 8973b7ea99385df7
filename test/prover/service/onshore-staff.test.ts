import { request as httpRequest, type Server } from 'node:http';
import Redis from 'ioredis';
import type { AttestationPackage } from '../../../src/common/attestation-package';
import type { OnshoreService } from '../../../src/prover/service/onshore-service';
import { RedisFailedAuthLimiter } from '../../../src/prover/service/failed-auth-limiter';
import { tokenHash, usersFromEnv } from '../../../src/prover/service/onshore-users';
import { RedisPackageSink } from '../../../src/prover/service/vault-source';
import { masterKeysFromEnv } from '../../../src/prover/vault';
import {
  AUDITOR,
  buildTestOnshoreService,
  SAMPLE_CSV as CSV,
  testMasterEnv,
} from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';

// The onshore staff API as staff and attackers meet it: refused requests audited and throttled
// per client address, desks, hostile uploads, the audit stream's pages, bad Content-Encoding.
// Real parts: redis-server, the vault, the proving queue (no worker), HTTP over loopback from
// several client addresses (127.0.0.0/8 is all loopback on Linux).

const RATES_OPERATOR = 'rates-operator-token-0123456789abcdef';
const EQUITIES_OPERATOR = 'equities-operator-token-0123456789abc';
const ADMIN = 'admin-token-0123456789abcdef0123456789';
const MAX_FAILURES = 3;

let redis: RedisServer;
let client: Redis;
let service: OnshoreService;
let server: Server;
let port: number;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  service = buildTestOnshoreService({
    redisUrl: redis.url,
    masterKeys: await masterKeysFromEnv(testMasterEnv()),
    users: usersFromEnv(
      [
        `olivia:operator:${tokenHash(RATES_OPERATOR)}:rates`,
        `oscar:operator:${tokenHash(EQUITIES_OPERATOR)}:equities`,
        `arthur:auditor:${tokenHash(AUDITOR)}`,
        `ada:admin:${tokenHash(ADMIN)}`,
      ].join(','),
    ),
    signerKeyId: 'no-worker-here',
    failedAuthLimits: { maxFailures: MAX_FAILURES, windowSeconds: 60 },
  });
  server = await new Promise<Server>((resolve) => {
    const s = service.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  port = (server.address() as { port: number }).port;
}, 60_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await service?.close();
  client?.disconnect();
  await redis?.stop();
});

/** The JSON answers these tests read: an error, a page of items, or what was created. */
interface ReplyBody {
  error?: { code: string; message: string };
  items: Array<Record<string, string>>;
  nextCursor?: string;
  id: string;
  jobId: string;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: ReplyBody;
}

/** One HTTP request from a chosen loopback address (the client address the app sees). */
function call(
  method: string,
  path: string,
  opts: {
    token?: string;
    from?: string;
    type?: string;
    body?: string | Buffer;
    encoding?: string;
  } = {},
): Promise<Reply> {
  const body =
    opts.body === undefined
      ? undefined
      : Buffer.isBuffer(opts.body)
        ? opts.body
        : Buffer.from(opts.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        localAddress: opts.from ?? '127.0.0.1',
        headers: {
          ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
          ...(body
            ? {
                'Content-Type': opts.type ?? 'application/json',
                'Content-Length': String(body.length),
              }
            : {}),
          ...(opts.encoding ? { 'Content-Encoding': opts.encoding } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: (text ? JSON.parse(text) : {}) as ReplyBody,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const json = (value: unknown) => JSON.stringify(value);
const upload = (token: string, csv = CSV) =>
  call('POST', '/v1/snapshots', { token, type: 'text/csv', body: csv });

async function auditEvents(): Promise<Array<Record<string, string>>> {
  const rows = await client.xrange('zkattest:onshore:audit', '-', '+');
  return rows.map(([id, kv]) => {
    const e: Record<string, string> = { id };
    for (let i = 0; i + 1 < kv.length; i += 2) e[kv[i]!] = kv[i + 1]!;
    return e;
  });
}

describe('refused staff requests', () => {
  it('are audited with action, reason and client address, never the token presented', async () => {
    const guess = 'guessed-token-0123456789abcdefghijkl';
    const bad = await call('GET', '/v1/snapshots', { token: guess, from: '127.0.0.3' });
    expect([bad.status, bad.body.error?.code]).toEqual([401, 'UNAUTHORIZED']);
    const wrongRole = await upload(AUDITOR);
    expect([wrongRole.status, wrongRole.body.error?.code]).toEqual([403, 'FORBIDDEN']);

    const refused = (await auditEvents()).filter((e) => e.action === 'auth.refused');
    expect(refused).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          user: '-',
          reason: 'UNAUTHORIZED',
          client: '127.0.0.3',
          method: 'GET',
          route: '/v1/snapshots',
        }),
        expect.objectContaining({
          user: 'arthur',
          reason: 'FORBIDDEN',
          client: '127.0.0.1',
          method: 'POST',
          route: '/v1/snapshots',
        }),
      ]),
    );
    const stream = JSON.stringify(await client.xrange('zkattest:onshore:audit', '-', '+'));
    expect(stream).not.toContain(guess);
    expect(stream).not.toContain(tokenHash(guess));
  });

  it('are throttled per client address: 429 RATE_LIMITED with Retry-After, others unaffected', async () => {
    const attacker = '127.0.0.4';
    for (let i = 0; i < MAX_FAILURES; i++) {
      const res = await call('GET', '/v1/snapshots', { token: `guess-${i}`, from: attacker });
      expect(res.status).toBe(401);
    }
    // Over budget: refused before the token is looked at, even a valid one.
    const limited = await call('GET', '/v1/snapshots', { token: RATES_OPERATOR, from: attacker });
    expect([limited.status, limited.body.error?.code]).toEqual([429, 'RATE_LIMITED']);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const noToken = await call('GET', '/v1/jobs/x', { from: attacker });
    expect(noToken.status).toBe(429);

    // The same staff member from another address, and staff elsewhere, work as usual.
    const elsewhere = await call('GET', '/v1/snapshots', {
      token: RATES_OPERATOR,
      from: '127.0.0.5',
    });
    expect(elsewhere.status).toBe(200);
    expect((await call('GET', '/v1/audit', { token: AUDITOR })).status).toBe(200);
    // Wrong roles are audited but are not failed authentication: no throttling for them.
    for (let i = 0; i < MAX_FAILURES + 1; i++) {
      expect(
        (await call('GET', '/v1/egress', { token: RATES_OPERATOR, from: '127.0.0.6' })).status,
      ).toBe(403);
    }
    expect(
      (await call('GET', '/v1/snapshots', { token: RATES_OPERATOR, from: '127.0.0.6' })).status,
    ).toBe(200);

    // One audit entry per client and window, however long the flood: it cannot churn the stream.
    for (let i = 0; i < 20; i++) {
      expect((await call('GET', '/v1/audit', { token: 'flood', from: attacker })).status).toBe(429);
    }
    const throttled = (await auditEvents()).filter(
      (e) => e.action === 'auth.refused' && e.reason === 'RATE_LIMITED',
    );
    expect(throttled.map((e) => e.client)).toEqual([attacker]);
  });

  it('lift the limit when the window ends', async () => {
    const limiter = new RedisFailedAuthLimiter(client, { maxFailures: 2, windowSeconds: 1 }, 't:');
    await limiter.recordFailure('10.0.0.1');
    expect(await limiter.check('10.0.0.1')).toBeUndefined();
    await limiter.recordFailure('10.0.0.1');
    expect(await limiter.check('10.0.0.1')).toEqual({ retryAfterSeconds: 1, firstRefusal: true });
    expect(await limiter.check('10.0.0.1')).toEqual({ retryAfterSeconds: 1, firstRefusal: false });
    expect(await limiter.check('10.0.0.2')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1100));
    expect(await limiter.check('10.0.0.1')).toBeUndefined();
  });
});

describe('desks', () => {
  it('reads desks from ONSHORE_USERS (name:role:sha256hex[:desk]), default desk when omitted', () => {
    const hash = tokenHash('t');
    expect(usersFromEnv(`a:operator:${hash}:rates,b:auditor:${hash}`)).toEqual([
      { name: 'a', role: 'operator', tokenSha256: hash, desk: 'rates' },
      { name: 'b', role: 'auditor', tokenSha256: hash, desk: 'default' },
    ]);
    expect(() => usersFromEnv(`a:operator:${hash}:Bad Desk`)).toThrow(
      expect.objectContaining({ code: 'USAGE' }),
    );
    expect(() => usersFromEnv(`a:operator:${hash}:rates:extra`)).toThrow(
      expect.objectContaining({ code: 'USAGE' }),
    );
  });

  it("scope operators to their desk's snapshots, jobs and packages; admins and auditors see all", async () => {
    const rates = await upload(RATES_OPERATOR);
    const equities = await upload(EQUITIES_OPERATOR);
    expect([rates.status, equities.status]).toEqual([201, 201]);
    const [ratesId, equitiesId] = [rates.body.id as string, equities.body.id as string];
    const ids = async (token: string) =>
      (await call('GET', '/v1/snapshots', { token })).body.items.map((s) => s.id);
    expect(await ids(RATES_OPERATOR)).toEqual([ratesId]);
    expect(await ids(EQUITIES_OPERATOR)).toEqual([equitiesId]);
    expect(await ids(AUDITOR)).toEqual(expect.arrayContaining([ratesId, equitiesId]));
    expect(await ids(ADMIN)).toEqual(expect.arrayContaining([ratesId, equitiesId]));
    const listed = (await call('GET', '/v1/snapshots', { token: AUDITOR })).body.items;
    expect(listed.find((s) => s.id === ratesId)?.desk).toBe('rates');

    // Another desk's snapshot answers exactly like an id that does not exist.
    const claim = json({ claim: 'coverage', minCoverageBps: 10000, context: '1' });
    const foreign = await call('POST', `/v1/snapshots/${ratesId}/claims`, {
      token: EQUITIES_OPERATOR,
      body: claim,
    });
    const missing = await call('POST', '/v1/snapshots/no-such-snapshot/claims', {
      token: EQUITIES_OPERATOR,
      body: claim,
    });
    expect([foreign.status, foreign.body]).toEqual([404, missing.body]);
    expect(missing.body.error?.code).toBe('NOT_FOUND');
    expect(await service.queue.counts()).toMatchObject({ waiting: 0 });

    const job = await call('POST', `/v1/snapshots/${ratesId}/claims`, {
      token: RATES_OPERATOR,
      body: claim,
    });
    expect(job.status).toBe(202);
    const jobId = job.body.jobId as string;
    const status = (token: string) => call('GET', `/v1/jobs/${jobId}`, { token });
    expect((await status(RATES_OPERATOR)).status).toBe(200);
    expect((await status(AUDITOR)).status).toBe(200);
    expect((await status(ADMIN)).status).toBe(200);
    const foreignJob = await status(EQUITIES_OPERATOR);
    const missingJob = await call('GET', '/v1/jobs/no-such-job', { token: EQUITIES_OPERATOR });
    expect([foreignJob.status, foreignJob.body]).toEqual([404, missingJob.body]);

    // Packages are public data, but which desk produced which is not another desk's business.
    await new RedisPackageSink(client).save(jobId, {
      claim: 'coverage',
    } as unknown as AttestationPackage);
    const pkg = (token: string) => call('GET', `/v1/jobs/${jobId}/package`, { token });
    expect((await pkg(RATES_OPERATOR)).status).toBe(200);
    expect((await pkg(AUDITOR)).status).toBe(200);
    expect((await pkg(EQUITIES_OPERATOR)).status).toBe(404);

    const send = (token: string) =>
      call('POST', `/v1/jobs/${jobId}/send`, { token, body: json({ destination: 'nowhere' }) });
    const foreignSend = await send(EQUITIES_OPERATOR);
    expect([foreignSend.status, foreignSend.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    expect(await service.egressLog.list()).toEqual([]);
    // The desk's own operator gets as far as the egress path (which has no such destination).
    expect((await send(RATES_OPERATOR)).status).not.toBe(404);
  });
});

describe('snapshot uploads', () => {
  it('refuse bytes that are not UTF-8 instead of replacing them inside identifiers', async () => {
    // 0xFF inside an identifier: a lossy decoder would make it U+FFFD and accept the file.
    const [before, after] = CSV.split('CN-GOV-2030-01');
    const csv = Buffer.concat([
      Buffer.from(`${before}CN-GOV-2030-`),
      Buffer.from([0xff]),
      Buffer.from(`01${after}`),
    ]);
    const badCsv = await call('POST', '/v1/snapshots', {
      token: RATES_OPERATOR,
      type: 'text/csv',
      body: csv,
    });
    expect([badCsv.status, badCsv.body.error?.code]).toEqual([400, 'SNAPSHOT_PARSE']);
    const identifier = Buffer.concat([Buffer.from('CN-GOV-'), Buffer.from([0xc3, 0x28])]);
    const jsonBytes = Buffer.concat([
      Buffer.from(
        '{"asOf":1763568000,"currency":"CNY","liabilities":"1.00","positions":[{"identifier":"',
      ),
      identifier,
      Buffer.from('","assetClass":0,"value":"2.00","haircutBps":0,"yieldBps":100}]}'),
    ]);
    const badJson = await call('POST', '/v1/snapshots', { token: RATES_OPERATOR, body: jsonBytes });
    expect([badJson.status, badJson.body.error?.code]).toEqual([400, 'SNAPSHOT_PARSE']);
    expect(badJson.body.error?.message).toMatch(/UTF-8/);
    // The same text in valid UTF-8 is accepted: the refusal is about the bytes.
    const fine = await call('POST', '/v1/snapshots', {
      token: RATES_OPERATOR,
      body: jsonBytes.toString('latin1'),
    });
    expect(fine.status).toBe(201);
  });

  it('refuse JSON nested 50,000 deep with a coded 4xx that quotes nothing', async () => {
    for (const body of [
      '['.repeat(50_000) + ']'.repeat(50_000),
      '{"":'.repeat(50_000) + '1' + '}'.repeat(50_000),
    ]) {
      const res = await call('POST', '/v1/snapshots', { token: RATES_OPERATOR, body });
      expect([res.status, res.body.error?.code]).toEqual([400, 'SNAPSHOT_PARSE']);
      expect(res.body.error?.message).not.toMatch(/[[{]/);
    }
    const nestedPositions = json({
      asOf: 1763568000,
      liabilities: '1.00',
      positions: [{ identifier: JSON.parse('['.repeat(40) + ']'.repeat(40)) }],
    });
    const deepInside = await call('POST', '/v1/snapshots', {
      token: RATES_OPERATOR,
      body: nestedPositions,
    });
    expect([deepInside.status, deepInside.body.error?.code]).toEqual([400, 'SNAPSHOT_PARSE']);
  });
});

describe("the auditors' audit stream", () => {
  it('is served newest first, in pages that stay put while events are appended', async () => {
    // Well over the old fixed window of 1,000 events.
    const pipeline = client.pipeline();
    for (let i = 0; i < 1200; i++) {
      pipeline.xadd(
        'zkattest:onshore:audit',
        '*',
        'at',
        new Date().toISOString(),
        'user',
        'olivia',
        'action',
        `filler.${i}`,
      );
    }
    await pipeline.exec();
    const first = await call('GET', '/v1/audit?limit=50', { token: AUDITOR });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(50);
    // The newest event is this very read.
    const [[newestId]] = await client.xrevrange('zkattest:onshore:audit', '+', '-', 'COUNT', 1);
    expect(first.body.items[0]).toMatchObject({
      id: newestId,
      action: 'audit.read',
      user: 'arthur',
    });
    expect(first.body.items[1]?.action).toBe('filler.1199');
    expect(first.body.nextCursor).toBe(first.body.items[49]?.id);

    // Appends between pages do not shift the next page.
    await upload(RATES_OPERATOR);
    const second = await call('GET', `/v1/audit?limit=50&cursor=${first.body.nextCursor}`, {
      token: AUDITOR,
    });
    expect(second.body.items.map((e) => e.action)).toEqual(
      Array.from({ length: 50 }, (_, i) => `filler.${1150 - i}`),
    );
    const seen = [...first.body.items, ...second.body.items].map((e) => e.id);
    expect(new Set(seen).size).toBe(100);

    // Walking to the end reaches the oldest event and stops.
    let cursor: string | undefined = second.body.nextCursor;
    let last: Record<string, string> | undefined;
    while (cursor) {
      const page = await call('GET', `/v1/audit?limit=1000&cursor=${cursor}`, { token: AUDITOR });
      last = page.body.items.at(-1) ?? last;
      cursor = page.body.nextCursor;
    }
    const [[oldestId]] = await client.xrange('zkattest:onshore:audit', '-', '+', 'COUNT', 1);
    expect(last?.id).toBe(oldestId);
  });

  it('bounds the page size and checks the cursor', async () => {
    for (const query of [
      'limit=1001',
      'limit=0',
      'cursor=abc',
      'cursor=1-2&x=1',
      'cursor=99999999999999999999-0',
    ]) {
      const res = await call('GET', `/v1/audit?${query}`, { token: AUDITOR });
      expect([res.status, res.body.error?.code]).toEqual([400, 'REQUEST_INVALID']);
    }
    const end = await call('GET', '/v1/audit?cursor=0-0', { token: AUDITOR });
    expect([end.status, end.body.items, end.body.nextCursor]).toEqual([200, [], undefined]);
  });
});

describe('a body that does not decompress as its Content-Encoding says', () => {
  it.each(['gzip', 'deflate', 'br'])(
    '%s: 400 REQUEST_INVALID, on /healthz and on uploads',
    async (encoding) => {
      const health = await call('GET', '/healthz', { body: '{"a":1}', encoding });
      expect([health.status, health.body.error?.code]).toEqual([400, 'REQUEST_INVALID']);
      const up = await call('POST', '/v1/snapshots', {
        token: RATES_OPERATOR,
        type: 'text/csv',
        body: CSV,
        encoding,
      });
      expect([up.status, up.body.error?.code]).toEqual([400, 'REQUEST_INVALID']);
      const claim = await call('POST', '/v1/snapshots/x/claims', {
        token: RATES_OPERATOR,
        body: '{"claim":"coverage"}',
        encoding,
      });
      expect([claim.status, claim.body.error?.code]).toEqual([400, 'REQUEST_INVALID']);
    },
  );
});
