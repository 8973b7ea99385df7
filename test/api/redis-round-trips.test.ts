import Redis from 'ioredis';
import request from 'supertest';
import type { AttestationPackage } from '../../src/common/attestation-package';
import * as attestationPackage from '../../src/common/attestation-package';
import { rerandomize } from '../support/rerandomize';
import { VerificationKeyRegistry } from '../../src/verifier';
import type { AttestationFactory, Institution } from '../support/attestation-factory';
import { challengeNonce, startApiWithCustodian, type ApiUnderTest } from './api-harness';

// The Redis commands one submission costs, counted by MONITOR on a real redis-server: each
// command is a round trip the request waits for (a Lua script is one command, whatever it
// does inside).

let api: ApiUnderTest;
let factory: AttestationFactory;
let bank: Institution;
let client: Redis;
let monitor: Redis;
const seen: string[] = [];

beforeAll(async () => {
  ({ api, factory, bank } = await startApiWithCustodian('ES256'));
  // monitor() opens a second connection in MONITOR mode: both are closed after.
  client = new Redis(api.redis.url);
  monitor = await client.monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    // Commands a script runs report "lua" as their source: part of that one command.
    if (source !== 'lua') seen.push(args[0]!.toLowerCase());
  });
});

afterAll(async () => {
  monitor.disconnect();
  client.disconnect();
  await api.close();
});

/** The commands Redis ran while `work` ran (MONITOR lags its replies: wait for a marker). */
async function commandsOf(work: () => Promise<unknown>): Promise<string[]> {
  const marker = new Redis(api.redis.url);
  try {
    await marker.echo('start');
    await waitFor('echo');
    seen.length = 0;
    await work();
    await marker.echo('end');
    await waitFor('echo');
    return seen.slice(0, -1);
  } finally {
    marker.disconnect();
  }
}

async function waitFor(command: string): Promise<void> {
  for (let i = 0; i < 200 && seen.at(-1) !== command; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

const submit = async (pkg: AttestationPackage, expected: number) =>
  request(api.app)
    .post('/v1/attestations')
    .send({ envelope: await bank.seal(pkg) })
    .expect(expected);

describe('Redis round trips per submission', () => {
  let pkg: AttestationPackage;

  it('recording a new statement', async () => {
    pkg = await factory.package({ context: await challengeNonce(api.app) });
    const commands = await commandsOf(() => submit(pkg, 201));
    // Rate limit, institution, record lookup, signer set, chain link (one guarded append: it
    // was a view, then a write), challenge, the record, its 4 index entries, the audit event.
    expect(commands).toHaveLength(12);
    expect(commands.filter((c) => c === 'evalsha' || c === 'eval')).toHaveLength(3);
  });

  it('answering a re-randomised proof of a recorded statement', async () => {
    const { vk } = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true }).get(
      pkg.circuitId,
      pkg.vkeyHash,
    );
    const proof = (await rerandomize(vk, pkg.proof)) as AttestationPackage['proof'];
    const again = { ...pkg, proof };
    const commands = await commandsOf(() => submit(again, 200));
    // Rate limit, institution, the record, the audit event.
    expect(commands).toEqual(['evalsha', 'hgetall', 'get', 'xadd']);
  });
});

describe('work per repeated submission', () => {
  it("hashes a recorded statement's package once, not at every repeat", async () => {
    const pkg = await factory.package({ context: await challengeNonce(api.app) });
    await submit(pkg, 201);
    const { vk } = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true }).get(
      pkg.circuitId,
      pkg.vkeyHash,
    );
    const copies = await Promise.all(
      [1, 2, 3].map(async () => {
        const proof = (await rerandomize(vk, pkg.proof)) as AttestationPackage['proof'];
        return bank.seal({ ...pkg, proof });
      }),
    );
    const ids = jest.spyOn(attestationPackage, 'packageId');
    try {
      for (const envelope of copies) {
        await request(api.app).post('/v1/attestations').send({ envelope }).expect(200);
      }
      // Each copy's own id, on opening it and in verifyPackage's verdict (6), and the recorded
      // package's once (it was 3 times).
      expect(ids).toHaveBeenCalledTimes(7);
    } finally {
      ids.mockRestore();
    }
  });
});
