import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dnsPacket from 'dns-packet';
import { hasRoot } from '../../support/root.js';
import { checkSchema } from '../../../src/health/schema.js';
import { createTcpChecker, type TcpSpec } from '../../../src/health/tcp.js';
import { checkRunner } from './check.js';
import { freePort, killChild, loopbackAddr, startDnsmasq, startNginx, tempDir, vethNamespace } from './servers.js';

describe.skipIf(!hasRoot('host: tcp/udp/dns checks against nginx and dnsmasq'))(
  'tcp, udp and dns checks against real servers',
  () => {
    const addr = loopbackAddr();
    const tmp = tempDir('tcpdns');
    const runner = checkRunner();
    let web = 0;
    let dnsPort = 0;
    const procs: Array<{ proc: import('node:child_process').ChildProcess }> = [];
    let veth: ReturnType<typeof vethNamespace> | undefined;

    beforeAll(async () => {
      web = await freePort(addr);
      dnsPort = await freePort(addr);
      procs.push(
        await startNginx(tmp.dir, `server { listen ${addr}:${web}; location / { return 200 "hello\\n"; } }`, [
          [addr, web],
        ]),
      );
      procs.push(
        await startDnsmasq(addr, dnsPort, [
          '--address=/x.test/10.1.2.3',
          '--address=/nx.test/',
          '--txt-record=t.x.test,v=health',
          '--srv-host=_web._tcp.x.test,srv.x.test,8080,1,5',
          '--host-record=six.x.test,2001:db8::6',
        ]),
      );
      veth = vethNamespace('hblk');
      veth.ns.exec(
        'nft',
        ['-f', '-'],
        'table inet blk {\n chain in {\n  type filter hook input priority 0;\n  tcp dport 80 drop\n  udp dport 53 drop\n }\n}\n',
      );
    });

    afterAll(async () => {
      runner.close();
      for (const p of procs) await killChild(p.proc);
      veth?.ns.cleanup();
      tmp.cleanup();
    });

    describe('tcp', () => {
      it('connects to nginx', async () => {
        expect(await runner.once({ type: 'tcp' }, addr, web)).toEqual({
          ok: true,
          detail: `connected to ${addr}:${web}`,
        });
      });

      it('sends bytes and expects a reply regex (or hex bytes)', async () => {
        const send = 'GET / HTTP/1.0\r\n\r\n';
        expect(await runner.once({ type: 'tcp', send, expect: '^HTTP/1\\.[01] 200' }, addr, web)).toEqual({
          ok: true,
          detail: `expected reply from ${addr}:${web}`,
        });
        expect(
          (await runner.once({ type: 'tcp', send, expect_hex: Buffer.from('hello').toString('hex') }, addr, web)).ok,
        ).toBe(true);
        const r = await runner.once({ type: 'tcp', send, expect: '^SSH-' }, addr, web);
        expect(r.ok).toBe(false);
        expect(r.detail).toMatch(
          new RegExp(`^${addr}:${web} closed the connection before the expected reply \\(got \\d+ bytes\\)$`),
        );
      });

      it('a refused connection is down with "connect ECONNREFUSED"', async () => {
        const closed = await freePort(addr);
        expect(await runner.once({ type: 'tcp' }, addr, closed)).toEqual({ ok: false, detail: 'connect ECONNREFUSED' });
      });

      it('a blackholed address (nftables drop in a namespace) times out', async () => {
        const t0 = Date.now();
        const r = await runner.once({ type: 'tcp', timeout: '300ms', interval: '1s' }, veth!.nsAddr, 80);
        expect(r).toEqual({
          ok: false,
          detail: `no TCP connection to ${veth!.nsAddr}:80 within 300 ms`,
          timedOut: true,
        });
        expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      });

      it('binds the source address (bindto)', async () => {
        expect((await runner.once({ type: 'tcp', bindto: '127.0.0.1' }, addr, web)).ok).toBe(true);
        const r = await runner.once({ type: 'tcp', bindto: '192.0.2.1' }, addr, web);
        expect(r).toMatchObject({ ok: false, detail: expect.stringMatching(/EADDRNOTAVAIL/) });
      });

      it('the promise form (probe with an AbortSignal) answers the same and gives up at abort', async () => {
        const tcp = createTcpChecker();
        const spec = checkSchema.parse({ type: 'tcp' }) as TcpSpec;
        const at = (address: string, port: number) => ({ address, port, server: { address, port }, timeoutMs: 1000 });
        try {
          expect(await tcp.probe(at(addr, web), spec, new AbortController().signal)).toEqual({
            ok: true,
            detail: `connected to ${addr}:${web}`,
          });
          const ctrl = new AbortController();
          const pending = tcp.probe(at(veth!.nsAddr, 80), spec, ctrl.signal);
          setTimeout(() => ctrl.abort(), 50);
          expect(await pending).toEqual({ ok: false, detail: `probe of ${veth!.nsAddr}:80 aborted` });
        } finally {
          tcp.close?.();
        }
      });
    });

    describe('udp', () => {
      it('an ICMP port unreachable is a failure', async () => {
        const closed = await freePort(addr);
        const r = await runner.once({ type: 'udp', payload: 'ping', timeout: '1s', interval: '1s' }, addr, closed);
        expect(r).toEqual({ ok: false, detail: `udp ${addr}:${closed} ECONNREFUSED` });
      });

      it('no ICMP error from a listening port is up when no reply is required', async () => {
        const r = await runner.once(
          { type: 'udp', payload: 'not dns', timeout: '400ms', interval: '1s' },
          addr,
          dnsPort,
        );
        expect(r).toEqual({ ok: true, detail: `no ICMP error from ${addr}:${dnsPort} within 200 ms` });
      });

      it('requires a reply matching hex bytes (a DNS query to dnsmasq as payload)', async () => {
        const q = dnsPacket.encode({
          type: 'query',
          id: 0x4242,
          flags: dnsPacket.RECURSION_DESIRED,
          questions: [{ type: 'A', name: 'a.x.test' }],
        });
        const hex = q.toString('hex');
        expect(
          await runner.once({ type: 'udp', payload_hex: hex, expect_hex: '0a010203' }, addr, dnsPort),
        ).toMatchObject({ ok: true, detail: expect.stringMatching(/^reply from/) });
        expect(
          await runner.once({ type: 'udp', payload_hex: hex, expect_hex: 'deadbeef' }, addr, dnsPort),
        ).toMatchObject({ ok: false, detail: expect.stringMatching(/does not match/) });
      });

      it('silence when a reply is required is a failure at the timeout', async () => {
        const r = await runner.once(
          { type: 'udp', payload: 'x', require_reply: true, timeout: '300ms', interval: '1s' },
          veth!.nsAddr,
          53,
        );
        expect(r).toEqual({ ok: false, detail: `no UDP reply from ${veth!.nsAddr}:53 within 300 ms`, timedOut: true });
      });
    });

    describe('dns', () => {
      const dns = (over: Record<string, unknown>) => runner.once({ type: 'dns', ...over }, addr, dnsPort);

      it('A record with an expected answer', async () => {
        expect(await dns({ name: 'www.x.test', expect_answer: '10.1.2.3' })).toEqual({
          ok: true,
          detail: `DNS NOERROR for A www.x.test from ${addr}:${dnsPort} (1 answer)`,
        });
        const r = await dns({ name: 'www.x.test', expect_answer: '10.9.9.9' });
        expect(r).toEqual({
          ok: false,
          detail: `DNS answers for A www.x.test from ${addr}:${dnsPort} do not include "10.9.9.9" (got 10.1.2.3)`,
        });
      });

      it('AAAA, TXT and SRV records', async () => {
        expect(await dns({ name: 'six.x.test', query_type: 'AAAA', expect_answer: '2001:db8::6' })).toMatchObject({
          ok: true,
        });
        expect(await dns({ name: 't.x.test', query_type: 'TXT', expect_answer: 'v=health' })).toMatchObject({
          ok: true,
        });
        expect(
          await dns({ name: '_web._tcp.x.test', query_type: 'SRV', expect_answer: '1 5 8080 srv.x.test' }),
        ).toMatchObject({ ok: true });
      });

      it('NXDOMAIN is a failure naming the rcode', async () => {
        expect(await dns({ name: 'gone.nx.test' })).toEqual({
          ok: false,
          detail: `DNS NXDOMAIN for A gone.nx.test from ${addr}:${dnsPort}`,
        });
      });

      it('a blackholed DNS server times out', async () => {
        const r = await runner.once(
          { type: 'dns', name: 'a.x.test', timeout: '300ms', interval: '1s' },
          veth!.nsAddr,
          53,
        );
        expect(r).toEqual({
          ok: false,
          detail: `no DNS reply for A a.x.test from ${veth!.nsAddr}:53 within 300 ms`,
          timedOut: true,
        });
      });

      it('ICMP port unreachable from a closed DNS port is a failure', async () => {
        const closed = await freePort(addr);
        expect(await runner.once({ type: 'dns', name: 'a.x.test' }, addr, closed)).toEqual({
          ok: false,
          detail: `DNS ${addr}:${closed} ECONNREFUSED`,
        });
      });
    });
  },
);
