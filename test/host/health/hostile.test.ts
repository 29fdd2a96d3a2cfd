import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthEngine } from '../../../src/health/engine.js';
import { checkSchema } from '../../../src/health/schema.js';
import { hasRoot } from '../../support/root.js';
import { loopbackAddr } from './servers.js';

/** Servers that misbehave on purpose; each returns its port. */
function tcpServer(addr: string, onConn: (s: net.Socket) => void): Promise<net.Server> {
  const srv = net.createServer((s) => {
    s.on('error', () => {});
    onConn(s);
  });
  return new Promise((r) => srv.listen(0, addr, () => r(srv)));
}
const portOf = (s: net.Server | dgram.Socket) =>
  'address' in s && typeof s.address === 'function' ? (s.address() as net.AddressInfo).port : 0;

describe.skipIf(!hasRoot('host: health engine against hostile servers'))('the engine survives hostile servers', () => {
  const addr = loopbackAddr();
  const servers: Array<net.Server> = [];
  const sockets = new Set<net.Socket>();
  let udp: dgram.Socket | undefined;
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    const keep = (s: net.Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s)));
    const add = async (name: string, f: (s: net.Socket) => void) => {
      const srv = await tcpServer(addr, (s) => (keep(s), f(s)));
      servers.push(srv);
      ports[name] = portOf(srv);
    };
    await add('garbage', (s) => s.end(randomBytes(4096)));
    await add('halfopen', () => {}); // accepts, never answers, never closes
    await add('reset', (s) =>
      s.once(
        'data',
        () => (
          s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial'),
          setTimeout(() => s.resetAndDestroy(), 20)
        ),
      ),
    );
    await add('huge', (s) =>
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n');
        const chunk = Buffer.alloc(1 << 20, 0x61);
        let sent = 0;
        const pump = () => {
          while (sent < 100 && s.write(chunk)) sent++;
          if (sent < 100 && !s.destroyed) s.once('drain', pump);
        };
        pump();
      }),
    );
    udp = dgram.createSocket('udp4');
    udp.on('message', (_m, rinfo) => udp!.send(randomBytes(37), rinfo.port, rinfo.address));
    await new Promise<void>((r) => udp!.bind(0, addr, () => r()));
    ports.dnsgarbage = udp.address().port;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    udp?.close();
  });

  it('keeps probing and reports a reason for garbage, half-open, reset, 100 MB and malformed DNS', async () => {
    const engine = new HealthEngine();
    const common = { interval: '500ms', timeout: '450ms', rise: 1, fall: 1, warmup: false }; // margin for a loaded CI box
    const t = (id: string, port: number, raw: Record<string, unknown>) => ({
      id,
      address: addr,
      port,
      spec: checkSchema.parse({ ...common, ...raw }),
    });
    const rss0 = process.memoryUsage().rss;
    try {
      engine.setTargets([
        t('garbage-http', ports.garbage, { type: 'http' }),
        t('garbage-tcp', ports.garbage, { type: 'tcp', send: 'hi', expect: '^OK' }),
        t('halfopen-http', ports.halfopen, { type: 'http' }),
        t('halfopen-tcp', ports.halfopen, { type: 'tcp', send: 'PING\r\n', expect: 'PONG' }),
        t('reset-http', ports.reset, { type: 'http', expect_body: 'complete' }),
        t('huge-http', ports.huge, { type: 'http', expect_body: '^a+$', max_body_bytes: 65536 }),
        t('huge-digest', ports.huge, { type: 'http', expect_digest: 'c'.repeat(64) }),
        t('dns-garbage', ports.dnsgarbage, { type: 'dns', name: 'x.test' }),
      ]);
      await new Promise((r) => setTimeout(r, 2600));
      const reason = (id: string) => engine.status(id)!.lastResults.at(-1)!.detail;
      expect(engine.status('garbage-http')!.state).toBe('down');
      expect(reason('garbage-http')).toMatch(/^HTTP (HPE_|UND_ERR|failed: Response does not match the HTTP)/);
      expect(reason('garbage-tcp')).toMatch(/closed the connection before the expected reply/);
      expect(reason('halfopen-http')).toBe(`no complete HTTP response from ${addr}:${ports.halfopen}/ within 450 ms`);
      expect(reason('halfopen-tcp')).toBe(`no expected reply from ${addr}:${ports.halfopen} within 450 ms`);
      expect(reason('reset-http')).toMatch(/ECONNRESET|UND_ERR_SOCKET|other side closed/);
      expect(engine.status('huge-http')).toMatchObject({ state: 'up' });
      expect(reason('huge-digest')).toMatch(/larger than max_body_bytes/);
      expect(reason('dns-garbage')).toMatch(/^(malformed DNS reply|no DNS reply)/);
      for (const id of ['garbage-http', 'halfopen-http', 'reset-http', 'huge-http', 'dns-garbage'])
        expect(engine.status(id)!.probes).toBeGreaterThanOrEqual(4);
      expect(process.memoryUsage().rss - rss0).toBeLessThan(100 * 1024 * 1024);
    } finally {
      await engine.stop();
    }
    expect(engine.stats().inFlight).toBe(0);
  });
});
