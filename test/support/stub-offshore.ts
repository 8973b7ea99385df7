/**
 * Test doubles for the egress path that need no proof: a package that passes the egress guard's
 * schema (its proof is not a valid one: only a real offshore API would notice), and an offshore
 * endpoint on loopback that records every request body and answers 201 naming the package's
 * statement, as the offshore API does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PACKAGE_TYPE, type AttestationPackage } from '../../src/common/attestation-package';
import { statementId } from '../../src/common/statement-id';

/** A schema-valid package with small numbers; `overrides` replace top-level members. */
export function fakePackage(overrides: Partial<AttestationPackage> = {}): AttestationPackage {
  return {
    type: PACKAGE_TYPE,
    claim: 'coverage',
    circuitId: 'coverage-v1',
    vkeyHash: 'ab'.repeat(32),
    publicSignals: { commitment: '11', attestor: '22', statement: '33' },
    proof: {
      pi_a: ['1', '2', '1'],
      pi_b: [
        ['3', '4'],
        ['5', '6'],
        ['1', '0'],
      ],
      pi_c: ['7', '8', '1'],
      protocol: 'groth16',
      curve: 'bn128',
    },
    createdAt: '2026-11-30T08:00:00.000Z',
    ...overrides,
  };
}

/** An offshore endpoint that records bodies and answers 201 with the statement's id. */
export interface StubOffshore {
  url: string;
  /** The request bodies received, in order. */
  bodies: Buffer[];
  close(): Promise<void>;
}

export async function startStubOffshore(): Promise<StubOffshore> {
  const bodies: Buffer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(body);
      const { envelope } = JSON.parse(body.toString('utf8')) as { envelope: string };
      const payload = Buffer.from(envelope.split('.')[1]!, 'base64url').toString('utf8');
      // The offshore API keys its records by statement (circuit + public signals).
      const id = statementId(JSON.parse(payload) as AttestationPackage);
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'created', attestation: { id } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // keep-alive sockets would hold the close open
      }),
  };
}
