import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { hasRoot } from '../../support/root.js';
import { checkRunner } from './check.js';
import { freePort, killChild, startDnsmasq, startNginx, tempDir } from './servers.js';

describe.skipIf(!hasRoot('host: IPv6 checks against nginx and dnsmasq on ::1'))('IPv6 targets', () => {
  const tmp = tempDir('v6');
  const runner = checkRunner();
  const procs: ChildProcess[] = [];
  let web = 0;
  let dns = 0;

  beforeAll(async () => {
    web = await freePort('::1');
    dns = await freePort('::1');
    procs.push(
      (
        await startNginx(tmp.dir, `server { listen [::1]:${web}; location = /healthz { return 200 "v6 ok\\n"; } }`, [
          ['::1', web],
        ])
      ).proc,
    );
    procs.push((await startDnsmasq('::1', dns, ['--address=/v6.test/2001:db8::42'])).proc);
  });
  afterAll(async () => {
    runner.close();
    for (const p of procs) await killChild(p);
    tmp.cleanup();
  });

  it('tcp and http name the endpoint in brackets', async () => {
    expect(await runner.once({ type: 'tcp' }, '::1', web)).toEqual({ ok: true, detail: `connected to [::1]:${web}` });
    expect(await runner.once({ type: 'http', path: '/healthz', expect_body: 'v6 ok' }, '::1', web)).toEqual({
      ok: true,
      detail: `HTTP 200 from [::1]:${web}/healthz`,
    });
    const closed = await freePort('::1');
    expect(await runner.once({ type: 'tcp' }, '::1', closed)).toEqual({ ok: false, detail: 'connect ECONNREFUSED' });
  });

  it('dns over IPv6 and udp port unreachable over IPv6', async () => {
    expect(
      await runner.once(
        { type: 'dns', name: 'a.v6.test', query_type: 'AAAA', expect_answer: '2001:db8::42' },
        '::1',
        dns,
      ),
    ).toMatchObject({ ok: true });
    const closed = await freePort('::1');
    expect(await runner.once({ type: 'udp', payload: 'x' }, '::1', closed)).toEqual({
      ok: false,
      detail: `udp [::1]:${closed} ECONNREFUSED`,
    });
  });

  it('connect_ip/connect_port redirect the probe to another address', async () => {
    const r = await runner.once({ type: 'tcp', connect_ip: '::1', connect_port: web }, '192.0.2.10', 9);
    expect(r).toEqual({ ok: true, detail: `connected to [::1]:${web}` });
  });
});
