/**
 * TcpConnector against real loopback TCP servers: connect, refuse, bind, send/read, end, RST close
 * (no TIME_WAIT left), a server's reset right after the handshake, stale ids after fd reuse, and many
 * connections at once on one epoll set; each with a socket per connection (the reference) and with
 * reused sockets. Reused sockets are also checked against the reference on random runs of probes
 * (fast-check), including probes closed while their handshake is still waiting.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as net from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type TcpConnHandler, TcpConnector, tcpEndpoints, TcpOpenError } from '../../../native/tcp-connect.js';

interface Seen {
  events: string[];
  data: Buffer;
  settled: Promise<void>;
  handler: TcpConnHandler;
}

/** A handler that records every event and calls `onConnect` at connect; `settled` resolves at end or failed. */
function recorder(onConnect?: () => void): Seen {
  let resolve!: () => void;
  const seen: Seen = {
    events: [],
    data: Buffer.alloc(0),
    settled: new Promise<void>((r) => (resolve = r)),
    handler: undefined as unknown as TcpConnHandler,
  };
  seen.handler = {
    connected: () => (seen.events.push('connected'), onConnect?.()),
    data: (b) => (seen.data = Buffer.concat([seen.data, b])),
    end: () => (seen.events.push('end'), resolve()),
    failed: (syscall, code) => (seen.events.push(`failed ${syscall} ${code}`), resolve()),
  };
  return seen;
}

function listen(onConn: (s: net.Socket) => void, host = '127.0.0.1'): Promise<net.Server> {
  const srv = net.createServer(onConn);
  // a backlog above the 1,000 simultaneous connects below, so none waits for a SYN retransmit
  return new Promise((resolve) => srv.listen({ port: 0, host, backlog: 4096 }, () => resolve(srv)));
}

const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;

function timeWaitTo(port: number): number {
  return execFileSync('ss', ['-Htan', 'state', 'time-wait', `( dport = :${port} or sport = :${port} )`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean).length;
}

/** Connections to `port` the kernel still knows (any state); a reset one is gone at once. */
function connectionsTo(port: number): number {
  return execFileSync('ss', ['-Htan', `( dport = :${port} )`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean).length;
}

/** Blocks this thread (no event loop turn, so no epoll batch) until `done()` or `ms` pass. */
function blockUntil(done: () => boolean, ms: number): void {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
}

/** A server in another process that resets each connection at accept (this thread can block meanwhile). */
async function resetServer(): Promise<{ port: number; kill(): void }> {
  const p = spawn(process.execPath, [
    '-e',
    `require('net').createServer((s) => (s.on('error', () => {}), s.resetAndDestroy())).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
  ]);
  const port = await new Promise<number>((r) => p.stdout.once('data', (b: Buffer) => r(Number(b.toString()))));
  return { port, kill: () => p.kill('SIGKILL') };
}

/**
 * A listener in another process that never accepts (its thread blocks): once its queue of 2 is full,
 * the kernel drops every further SYN, so a connect to it waits in SYN_SENT.
 */
async function stuckServer(): Promise<{ port: number; kill(): void }> {
  const p = spawn(process.execPath, [
    '-e',
    `require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, function () { console.log(this.address().port); setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 20); });`,
  ]);
  const port = await new Promise<number>((r) => p.stdout.once('data', (b: Buffer) => r(Number(b.toString()))));
  await new Promise((r) => setTimeout(r, 100));
  return { port, kill: () => p.kill('SIGKILL') };
}

describe.each([
  ['a socket per connection', 0],
  ['reused sockets', 4],
])('TcpConnector on loopback, %s', (_how, idleSockets) => {
  const conn = new TcpConnector({ idleSockets });
  const servers: net.Server[] = [];
  const peers = new Set<net.Socket>();
  const serve = async (onConn: (s: net.Socket) => void, host?: string) => {
    const srv = await listen((s) => {
      peers.add(s);
      s.on('error', () => {});
      s.on('close', () => peers.delete(s));
      onConn(s);
    }, host);
    servers.push(srv);
    return srv;
  };

  afterEach(() => expect(conn.openCount).toBe(0));
  afterAll(async () => {
    for (const s of peers) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    conn.shutdown();
  });

  it('connects, then a reset close reaches the server as ECONNRESET and leaves no TIME_WAIT', async () => {
    let serverSide!: (s: net.Socket) => void;
    const accepted = new Promise<net.Socket>((r) => (serverSide = r));
    const srv = await serve((s) => serverSide(s));
    let id = -1;
    const seen = recorder(() => conn.close(id, true));
    id = conn.open(tcpEndpoints('127.0.0.1', portOf(srv)), seen.handler, false);
    const peer = await accepted;
    const error = await new Promise<string | undefined>((r) =>
      peer.on('error', (e: NodeJS.ErrnoException) => r(e.code)),
    );
    expect(error).toBe('ECONNRESET');
    expect(seen.events).toEqual(['connected']);
    expect(timeWaitTo(portOf(srv))).toBe(0);
  });

  it('reports a refused connection as failed("connect", "ECONNREFUSED")', async () => {
    const srv = await serve(() => {});
    const port = portOf(srv);
    await new Promise((r) => srv.close(r));
    servers.pop();
    const seen = recorder();
    conn.open(tcpEndpoints('127.0.0.1', port), seen.handler, false);
    await seen.settled;
    expect(seen.events).toEqual(['failed connect ECONNREFUSED']);
  });

  it('binds the source address, and a source the host lacks throws TcpOpenError bind EADDRNOTAVAIL', async () => {
    let seenFrom!: (a: string | undefined) => void;
    const from = new Promise<string | undefined>((r) => (seenFrom = r));
    const srv = await serve((s) => seenFrom(s.remoteAddress));
    const seen = recorder();
    const id = conn.open(tcpEndpoints('127.0.0.1', portOf(srv), '127.0.0.2'), seen.handler, false);
    expect(await from).toBe('127.0.0.2');
    conn.close(id, true);
    let err: unknown;
    try {
      conn.open(tcpEndpoints('127.0.0.1', 9, '192.0.2.1'), recorder().handler, false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TcpOpenError);
    expect(err).toMatchObject({ syscall: 'bind', code: 'EADDRNOTAVAIL', message: 'bind EADDRNOTAVAIL' });
  });

  it('sends bytes, reads the reply and reports the end when the server closes', async () => {
    const srv = await serve((s) => s.once('data', (b) => s.end(Buffer.concat([Buffer.from('echo:'), b]))));
    let id = -1;
    const seen = recorder(() => conn.send(id, Buffer.from('ping')));
    id = conn.open(tcpEndpoints('127.0.0.1', portOf(srv)), seen.handler, true);
    await seen.settled;
    expect(seen.events).toEqual(['connected', 'end']);
    expect(seen.data.toString()).toBe('echo:ping');
  });

  it('reports a reset from the server after connect as failed("read", "ECONNRESET")', async () => {
    const srv = await serve((s) => s.once('data', () => s.resetAndDestroy()));
    let id = -1;
    const seen = recorder(() => conn.send(id, Buffer.from('x')));
    id = conn.open(tcpEndpoints('127.0.0.1', portOf(srv)), seen.handler, true);
    await seen.settled;
    expect(seen.events).toEqual(['connected', 'failed read ECONNRESET']);
  });

  it('counts a handshake the server resets at once as connected, not as a failed connect', async () => {
    // a server in another process resets each connection at accept; this thread waits until the reset
    // is in before its epoll batch runs, which then sees EPOLLOUT|EPOLLERR|EPOLLHUP together
    const { port, kill } = await resetServer();
    try {
      for (let i = 0; i < 10; i++) {
        let id = -1;
        const seen = recorder(() => conn.close(id, true));
        const outcome = new Promise<void>((resolve) => {
          const { connected, failed } = seen.handler;
          seen.handler.connected = () => (connected(), resolve());
          seen.handler.failed = (syscall, code) => (failed(syscall, code), resolve());
        });
        id = conn.open(tcpEndpoints('127.0.0.1', port), seen.handler, false);
        blockUntil(() => connectionsTo(port) === 0, 5000);
        await outcome;
        expect(seen.events).toEqual(['connected']);
      }
    } finally {
      kill();
    }
  });

  it('reading, a reset right after the handshake is connected then failed("read", "ECONNRESET"), bytes sent or not', async () => {
    const { port, kill } = await resetServer();
    try {
      for (const payload of [undefined, Buffer.from('PING\r\n')]) {
        let id = -1;
        const seen = recorder(() => payload && conn.send(id, payload));
        id = conn.open(tcpEndpoints('127.0.0.1', port), seen.handler, true);
        blockUntil(() => connectionsTo(port) === 0, 5000);
        await seen.settled;
        expect(seen.events).toEqual(['connected', 'failed read ECONNRESET']);
      }
    } finally {
      kill();
    }
  });

  it('ignores a close of an id whose fd was reused by a newer connection', async () => {
    const srv = await serve(() => {});
    const port = portOf(srv);
    const first = conn.open(tcpEndpoints('127.0.0.1', port), recorder().handler, false);
    conn.close(first, true);
    let second = -1;
    const seen = recorder(() => conn.close(second, true));
    second = conn.open(tcpEndpoints('127.0.0.1', port), seen.handler, false);
    expect(second % 2 ** 21).toBe(first % 2 ** 21); // the kernel handed out the same fd number again
    conn.close(first, true); // stale: must not touch the second connection
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.events).toEqual(['connected']);
  });

  it('a connection left open after connect is reported once and does not spin the loop', async () => {
    const srv = await serve(() => {});
    const seen = recorder();
    const id = conn.open(tcpEndpoints('127.0.0.1', portOf(srv)), seen.handler, false);
    await new Promise((r) => setTimeout(r, 20));
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 200));
    const cpu = process.cpuUsage(cpu0);
    expect(seen.events).toEqual(['connected']);
    // a level-triggered registration would wake the loop on every turn: ~200 ms of CPU in 200 ms
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(60);
    conn.close(id, true);
  });

  it('runs 1,000 connections at once on the one epoll set', async () => {
    const srv = await serve((s) => s.destroy());
    const port = portOf(srv);
    const done: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++) {
      done.push(
        new Promise((resolve) => {
          let id = -1;
          const h = recorder(() => (conn.close(id, true), resolve())).handler;
          h.failed = (syscall, code) => resolve(void expect.fail(`${syscall} ${code}`));
          id = conn.open(tcpEndpoints('127.0.0.1', port), h, false);
        }),
      );
    }
    await Promise.all(done);
  });

  it('builds IPv6 endpoints with a numeric or named scope and rejects what is not an address', () => {
    expect(tcpEndpoints('::1', 80).peer.length).toBe(28);
    expect(tcpEndpoints('fe80::1%1', 80).peer.readUInt32LE(24)).toBe(1);
    expect(tcpEndpoints('fe80::1%lo', 80).peer.readUInt32LE(24)).toBe(1);
    expect(() => tcpEndpoints('fe80::1%nosuchif0', 80)).toThrow(/unknown interface "nosuchif0"/);
    expect(() => tcpEndpoints('web.example', 80)).toThrow(/not an IPv4 address/);
  });
});

/** Open file descriptors of this process. */
const openFds = () => execFileSync('ls', ['/proc/self/fd']).toString().split('\n').filter(Boolean).length;

describe('TcpConnector with reused sockets', () => {
  const servers: Array<{ close(): void }> = [];
  afterAll(() => servers.forEach((s) => s.close()));

  /** Opens a connect-only probe and settles with its outcome; a probe not settled by `closeAfterMs` is closed ("closed"). */
  const probe = (conn: TcpConnector, port: number, closeAfterMs = 2000) =>
    new Promise<string>((resolve) => {
      let id = -1;
      const timer = setTimeout(() => (conn.close(id, true), resolve('closed')), closeAfterMs);
      const settle = (what: string) => (clearTimeout(timer), resolve(what));
      const h: TcpConnHandler = {
        connected: () => (conn.close(id, true), settle('connected')),
        data: () => undefined,
        end: () => settle('end'),
        failed: (syscall, code) => settle(`failed ${syscall} ${code}`),
      };
      try {
        id = conn.open(tcpEndpoints('127.0.0.1', port), h, false);
      } catch (e) {
        settle(`threw ${(e as Error).message}`);
      }
    });

  /** A listener that accepts and drops each connection, and a port nothing listens on (both on 127.0.0.1). */
  const goodAndRefused = async () => {
    const good = await listen((s) => (s.on('error', () => {}), s.destroy()));
    servers.push(good);
    const closed = await listen(() => {});
    const refused = portOf(closed);
    await new Promise((r) => closed.close(r));
    return { good: portOf(good), refused };
  };

  it('connects again and again on the same few sockets, each closed with a RST, and keeps at most idleSockets', async () => {
    const srv = await listen((s) => (s.on('error', () => {}), s.destroy()));
    servers.push(srv);
    const conn = new TcpConnector({ idleSockets: 2 });
    const port = portOf(srv);
    const fds0 = openFds();
    for (let i = 0; i < 200; i++) expect(await probe(conn, port)).toBe('connected');
    expect(conn.idleCount).toBe(1); // one at a time: one socket did all 200
    const many = await Promise.all(Array.from({ length: 20 }, () => probe(conn, port)));
    expect(many).toEqual(Array(20).fill('connected'));
    expect(conn.idleCount).toBe(2); // the rest were closed
    expect(openFds() - fds0).toBeLessThanOrEqual(2 + 1); // + the epoll fd
    expect(timeWaitTo(port)).toBe(0);
    conn.shutdown();
    expect(openFds()).toBeLessThanOrEqual(fds0);
  });

  it('a socket whose connect was refused, or closed while its handshake waited, connects cleanly next time', async () => {
    const { good, refused } = await goodAndRefused();
    const stuck = await stuckServer();
    servers.push({ close: stuck.kill });
    const conn = new TcpConnector({ idleSockets: 1 });
    // fill the stuck listener's queue, then one connect that waits in SYN_SENT until closed
    const filled = await Promise.all([probe(conn, stuck.port, 300), probe(conn, stuck.port, 300)]);
    expect(filled).toEqual(['connected', 'connected']);
    expect(await probe(conn, stuck.port, 300)).toBe('closed');
    expect(conn.idleCount).toBe(1);
    // the aborted handshake left ECONNRESET on the socket: the next connect must not report it
    expect(await probe(conn, good)).toBe('connected');
    expect(await probe(conn, refused)).toBe('failed connect ECONNREFUSED');
    expect(await probe(conn, good)).toBe('connected');
    expect(conn.idleCount).toBe(1);
    conn.shutdown();
  });

  it('gives the same outcomes as a socket per connection on random runs of probes (property)', async () => {
    const { good, refused } = await goodAndRefused();
    const reset = await resetServer();
    servers.push({ close: reset.kill });
    const ports = { good, refused, reset: reset.port };
    const reference = new TcpConnector();
    const reused = new TcpConnector({ idleSockets: 3 });
    const kinds = fc.constantFrom('good', 'refused', 'reset') as fc.Arbitrary<keyof typeof ports>;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(kinds, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        async (waves) => {
          for (const wave of waves) {
            const [a, b] = await Promise.all([
              Promise.all(wave.map((k) => probe(reference, ports[k]))),
              Promise.all(wave.map((k) => probe(reused, ports[k]))),
            ]);
            expect(b).toEqual(a);
          }
          expect(reused.openCount).toBe(0);
          expect(reused.idleCount).toBeLessThanOrEqual(3);
        },
      ),
      { numRuns: 40 },
    );
    reference.shutdown();
    reused.shutdown();
  });
});
