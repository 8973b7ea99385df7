import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/**
 * Where the anvil executable is. The @foundry-rs/anvil npm package ships it in a
 * per-platform optional dependency (@foundry-rs/anvil-<os>-<arch>/bin/anvil); its postinstall
 * copies it next to the wrapper only when that package is missing. ANVIL_BIN overrides both.
 */
export function anvilBinary(): string {
  const fromEnv = process.env.ANVIL_BIN;
  if (fromEnv) return fromEnv;
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  const candidates: string[] = [];
  if (arch) {
    try {
      candidates.push(require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/bin/${exe}`));
    } catch {
      // not installed for this platform
    }
  }
  try {
    candidates.push(join(dirname(require.resolve('@foundry-rs/anvil/package.json')), exe));
  } catch {
    // wrapper not installed
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new Error(
      'anvil not found: run npm install (it ships in @foundry-rs/anvil) or set ANVIL_BIN',
    );
  }
  return found;
}

/** A free TCP port on the loopback interface (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface AnvilOptions {
  /** Chain id (anvil's default is 31337). */
  chainId?: number;
  /** Extra anvil arguments, e.g. ['--hardfork', 'cancun']. */
  args?: string[];
  /** How long to wait for the RPC to answer, ms. */
  startTimeoutMs?: number;
}

export interface Anvil {
  rpcUrl: string;
  port: number;
  chainId: bigint;
  pid: number;
  /** Stops the node (SIGTERM, then SIGKILL after 3 s); resolves when it has exited. */
  stop(): Promise<void>;
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function startOnce(port: number, opts: AnvilOptions): Promise<Anvil> {
  const args = ['--host', '127.0.0.1', '--port', String(port), '--silent'];
  if (opts.chainId !== undefined) args.push('--chain-id', String(opts.chainId));
  args.push(...(opts.args ?? []));
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  for (;;) {
    if (exited) throw new Error(`anvil exited during startup: ${stderr.trim()}`);
    try {
      const chainId = BigInt((await rpc(rpcUrl, 'eth_chainId')) as string);
      return { rpcUrl, port, chainId, pid: child.pid!, stop: () => stopChild(child) };
    } catch {
      if (Date.now() > deadline) {
        await stopChild(child);
        throw new Error(`anvil did not answer on ${rpcUrl}: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Starts a fresh anvil on a free loopback port and waits until its JSON-RPC answers.
 * Retries on another port if the chosen one was taken in between.
 */
export async function startAnvil(opts: AnvilOptions = {}): Promise<Anvil> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(await freePort(), opts);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/** One JSON-RPC call (for anvil's evm_* methods that ethers has no helper for). */
export const anvilRpc = rpc;
