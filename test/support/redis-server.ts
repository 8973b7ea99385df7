/**
 * A real redis-server for tests: loopback only, a free port, a temp dir, persistence on
 * (AOF, fsync on every write) so that a restart must bring every acknowledged write back.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running redis-server owned by this test process. */
export interface RedisServer {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** Data directory (AOF, log); kept across restarts, removed after the test process exits. */
  readonly dir: string;
  /** SIGTERM, then wait for the process to exit (Redis fsyncs the AOF on the way out). */
  stop(): Promise<void>;
  /** SIGKILL (a crash: no shutdown, no final fsync), then wait for the process to exit. */
  crash(): Promise<void>;
  /** Stops, then starts again on the same port and dir; resolves once PING answers. */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Cleans up after the test process, however it ends. A `process.on('exit')` hook would not do:
 * inside a jest test file `process` is a sandboxed copy whose events the real process never
 * emits. Instead a detached shell polls this process's pid; once it is gone, the shell kills
 * the server (found by its pidfile, if it is still a redis-server) and removes the data dir.
 * With setpriv, the kernel also kills the server at once (see resolveLauncher).
 */
function startWatchdog(dir: string): void {
  const script = [
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done',
    'pid=$(cat "$2/redis.pid" 2>/dev/null)',
    'if [ -n "$pid" ] && ps -p "$pid" -o command= | grep -q redis-server; then',
    '  kill -KILL "$pid"',
    'fi',
    'rm -rf "$2"',
  ].join('\n');
  const watchdog = spawn('sh', ['-c', script, 'sh', String(process.pid), dir], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
}

function which(program: string): string | undefined {
  try {
    return execFileSync('which', [program], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

let launcher: { bin: string; prefix: string[] } | undefined;

/**
 * How to launch redis-server. With util-linux setpriv, the server gets SIGKILL when this
 * process dies, even by SIGKILL (the exit hook cannot run then).
 */
function resolveLauncher(): { bin: string; prefix: string[] } {
  if (launcher) return launcher;
  const server = which('redis-server');
  if (!server) {
    throw new Error(
      'redis-server not found on PATH: the store tests need a real Redis ' +
        '(e.g. apt-get install redis-server)',
    );
  }
  const setpriv = which('setpriv');
  let deathSignal = false;
  if (setpriv) {
    try {
      deathSignal = execFileSync(setpriv, ['--help'], { encoding: 'utf8' }).includes('pdeathsig');
    } catch {
      deathSignal = false;
    }
  }
  launcher =
    setpriv && deathSignal
      ? { bin: setpriv, prefix: ['--pdeathsig', 'KILL', server] }
      : { bin: server, prefix: [] };
  return launcher;
}

/** A port free right now on 127.0.0.1 (the OS picks it when binding port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Whether the server answers PING with PONG (not LOADING, not refused). */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'redis.log'), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts redis-server on `port` with data in `dir`; resolves once it answers PING. */
async function launch(
  port: number,
  dir: string,
  fsync: Fsync,
  extraArgs: readonly string[],
): Promise<ChildProcess> {
  const { bin, prefix } = resolveLauncher();
  const args = [
    ...prefix,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    fsync,
    '--save',
    '',
    '--daemonize',
    'no',
    '--logfile',
    join(dir, 'redis.log'),
    '--pidfile',
    join(dir, 'redis.pid'),
    ...extraArgs,
  ];
  const child = spawn(bin, args, { stdio: 'ignore' });
  let exited = false;
  let spawnError: Error | undefined;
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', (err) => {
    spawnError = err;
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`cannot start redis-server: ${spawnError.message}`);
    if (exited) {
      throw new Error(`redis-server exited during start-up on port ${port}:\n${logTail(dir)}`);
    }
    if (await pings(port)) return child;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(
    `redis-server did not answer PING within ${READY_TIMEOUT_MS} ms:\n${logTail(dir)}`,
  );
}

/** SIGTERM, wait for exit; SIGKILL if it hangs. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * How often Redis fsyncs its append-only file: 'always' (the tests: every acknowledged write
 * is on disk) or 'everysec' (Redis's production default: at most a second lost on a crash).
 */
export type Fsync = 'always' | 'everysec';

/**
 * Starts a fresh redis-server (see the module comment) and waits until it answers PING.
 * `extraArgs` are more redis-server options (e.g. cluster mode: redis-cluster.ts).
 */
export async function startRedis(
  fsync: Fsync = 'always',
  extraArgs: readonly string[] = [],
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'zkattest-redis-'));
  startWatchdog(dir);
  // The port is free when probed but could be taken before Redis binds it: try a few.
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir, fsync, extraArgs);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
  let current: ChildProcess = child;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop: () => terminate(current),
    async crash() {
      if (current.exitCode !== null || current.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      current.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await terminate(current);
      current = await launch(port, dir, fsync, extraArgs);
    },
  };
}
