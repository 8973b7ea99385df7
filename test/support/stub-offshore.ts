/**
 * A test double for the egress path that needs no proof (send it a fakePackage): an offshore
 * endpoint on loopback that records every request body and answers 201 naming the package's
 * statement, as the offshore API does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { statementId } from '../../src/common/statement-id';

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
