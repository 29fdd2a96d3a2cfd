/**
 * The long-connection client and backend of the sync failover proof, over loopback: every
 * connection answers in order from its backend; a backend that goes away is reported as the
 * failure of exactly its connections (the check can fail).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, startClient } from '../../../src/lab/long-conns.js';

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('long-conns over loopback', () => {
  it('20 connections to a backend: all alive, answered in order, gaps near the interval', async () => {
    const port = 20000 + (process.pid % 20000);
    servers.push(serve('bx', port));
    const c = startClient(`127.0.0.1:${port}`, 20, 50, 200);
    await until(() => c.status().replies >= 20 * 8);
    const r = c.stop();
    expect(r.results).toHaveLength(20);
    for (const x of r.results) {
      expect(x).toMatchObject({ backend: 'bx', alive: true });
      expect(x.answered).toBeGreaterThanOrEqual(3);
      expect(x.maxGapMs).toBeLessThan(2000); // loaded machine: generous, but a stall would exceed it
    }
  });

  it('a backend that resets its connections: those connections are dead, with the reason', async () => {
    const sockets: Socket[] = [];
    const s = createServer((sock) => {
      sockets.push(sock);
      sock.on('data', (d) => sock.write(`bad ${d.toString().trim()}\n`));
      sock.on('error', () => {});
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    const c = startClient(`127.0.0.1:${port}`, 4, 50, 0);
    await until(() => c.status().replies >= 8);
    sockets[0]!.resetAndDestroy();
    await until(() => c.status().dead === 1);
    const r = c.stop();
    const dead = r.results.filter((x) => !x.alive);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.failure).toMatch(/^reset: ECONNRESET|^closed by peer/);
  });
});
