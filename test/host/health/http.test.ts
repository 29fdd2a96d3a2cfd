import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthEngine, type HealthEvent } from '../../../src/health/engine.js';
import { checkSchema } from '../../../src/health/schema.js';
import { hasRoot } from '../../support/root.js';
import { checkRunner } from './check.js';
import { accessLogCount, freePort, killChild, loopbackAddr, selfSigned, startNginx, tempDir } from './servers.js';

describe.skipIf(!hasRoot('host: health checks against nginx'))('http/https checks against nginx', () => {
  const addr = loopbackAddr();
  const tmp = tempDir('nginx');
  const runner = checkRunner();
  let port = 0;
  let tlsPort = 0;
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  let cert = '';
  const page = 'static page for the digest test\n';

  beforeAll(async () => {
    port = await freePort(addr);
    tlsPort = await freePort(addr);
    const c = selfSigned(tmp.dir, 'web.test');
    cert = c.cert;
    mkdirSync(join(tmp.dir, 'www'));
    writeFileSync(join(tmp.dir, 'www', 'page.txt'), page);
    writeFileSync(join(tmp.dir, 'www', 'slow.txt'), 'x'.repeat(200_000));
    writeFileSync(join(tmp.dir, 'www', 'big.bin'), Buffer.alloc(0));
    // a 100 MB body without writing 100 MB: a sparse file
    await import('node:fs').then((fs) => fs.truncateSync(join(tmp.dir, 'www', 'big.bin'), 100 * 1024 * 1024));
    nginx = await startNginx(
      tmp.dir,
      `server { listen ${addr}:${port} default_server; root ${tmp.dir}/www;
          location = /healthz { return 200 "ok\\n"; }
          location = /fail { return 503 "down\\n"; }
          location = /moved { return 301 /healthz; }
          location = /slow.txt { limit_rate 2k; }
          location = /moved-fail { return 302 /fail; }
          location = /echo { return 200 "$request_method $content_length $http_x_probe\n"; }
          location = /chunked.txt { alias ${tmp.dir}/www/page.txt; sub_filter 'page' 'PAGE'; sub_filter_types text/plain; }
        }
        server { listen ${addr}:${port}; server_name web.test; location / { return 200 "vhost web.test\\n"; } }
        server { listen ${addr}:${tlsPort} ssl; server_name web.test; ssl_certificate ${c.cert}; ssl_certificate_key ${c.key};
          location = /healthz { return 200 "secure ok\\n"; } }`,
      [
        [addr, port],
        [addr, tlsPort],
      ],
    );
  });

  afterAll(async () => {
    runner.close();
    if (nginx) await killChild(nginx.proc);
    tmp.cleanup();
  });

  const http = (over: Record<string, unknown>) =>
    runner.once({ type: 'http', timeout: '2s', interval: '2s', ...over }, addr, port);
  const https = (over: Record<string, unknown>) =>
    runner.once({ type: 'https', timeout: '2s', interval: '2s', ...over }, addr, tlsPort);

  it('200 with a matching body is up, and says so', async () => {
    expect(await http({ path: '/healthz', expect_body: '^ok\\n$' })).toEqual({
      ok: true,
      detail: `HTTP 200 from ${addr}:${port}/healthz`,
    });
  });

  it('a wrong status is down with the status in the reason', async () => {
    expect(await http({ path: '/fail' })).toEqual({ ok: false, detail: `HTTP 503 from ${addr}:${port}/fail` });
    expect(await http({ path: '/nope' })).toMatchObject({ ok: false, detail: `HTTP 404 from ${addr}:${port}/nope` });
    expect((await http({ path: '/fail', expect_status: ['500-599'] })).ok).toBe(true);
  });

  it('a body mismatch is down', async () => {
    expect(await http({ path: '/healthz', expect_body: 'healthy' })).toEqual({
      ok: false,
      detail: `body from ${addr}:${port}/healthz does not match /healthy/ (read 3 bytes)`,
    });
  });

  it('checks the sha256 digest of the body', async () => {
    const digest = createHash('sha256').update(page).digest('hex');
    expect((await http({ path: '/page.txt', expect_digest: digest })).ok).toBe(true);
    const r = await http({ path: '/page.txt', expect_digest: 'a'.repeat(64) });
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^body digest from .* is sha256:[0-9a-f]{12}…, expected sha256:aaaaaaaaaaaa…$/);
  });

  it("checks the MD5 digest of the body (keepalived HTTP_GET digest, 32 hex digits), as keepalived's genhash prints it", async () => {
    const digest = createHash('md5').update(page).digest('hex');
    // keepalived's own tool (Debian's keepalived package) against the same server
    const genhash = execFileSync('genhash', ['-s', addr, '-p', String(port), '-u', '/page.txt'], { encoding: 'utf8' });
    expect(genhash.trim().split('\n').at(-1)).toBe(digest);
    expect((await http({ path: '/page.txt', expect_digest: digest.toUpperCase() })).ok).toBe(true);
    const r = await http({ path: '/page.txt', expect_digest: 'a'.repeat(32) });
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^body digest from .* is md5:[0-9a-f]{12}…, expected md5:aaaaaaaaaaaa…$/);
  });

  it('sends the Host header (name-based virtual host) and extra headers', async () => {
    expect((await http({ path: '/x', host: 'web.test', expect_body: 'vhost web.test' })).ok).toBe(true);
    expect((await http({ path: '/x', expect_body: 'vhost web.test' })).ok).toBe(false);
    expect((await http({ path: '/healthz', headers: { 'x-probe': '1' } })).ok).toBe(true);
  });

  it('follows no redirect unless told to', async () => {
    expect(await http({ path: '/moved', expect_status: '200-299' })).toMatchObject({
      ok: false,
      detail: `HTTP 301 from ${addr}:${port}/moved`,
    });
    expect(
      await http({ path: '/moved', expect_status: '200-299', follow_redirects: true, expect_body: '^ok' }),
    ).toMatchObject({ ok: true });
  });

  it('a slow body times out with a clear reason', async () => {
    const r = await runner.once(
      { type: 'http', path: '/slow.txt', timeout: '400ms', interval: '1s', max_body_bytes: 1_000_000 },
      addr,
      port,
    );
    expect(r).toEqual({
      ok: false,
      detail: `no complete HTTP response from ${addr}:${port}/slow.txt within 400 ms`,
      timedOut: true,
    });
  });

  it('a 100 MB body is read only up to max_body_bytes and does not blow up memory', async () => {
    const rss0 = process.memoryUsage().rss;
    const r = await http({ path: '/big.bin', max_body_bytes: 65536, expect_body: '^\\x00' });
    expect(r).toMatchObject({ ok: true });
    const d = await http({ path: '/big.bin', expect_digest: 'b'.repeat(64) });
    expect(d.detail).toMatch(/larger than max_body_bytes \(65536\); cannot check its digest/);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(50 * 1024 * 1024);
  });

  it('https: trusted via ca_file with the right SNI is up', async () => {
    expect(await https({ path: '/healthz', host: 'web.test', ca_file: cert, expect_body: 'secure ok' })).toMatchObject({
      ok: true,
    });
    expect(await https({ path: '/healthz', sni: 'web.test', ca_file: cert })).toMatchObject({ ok: true });
  });

  it('https: an untrusted certificate is down, unless verification is off', async () => {
    const r = await https({ path: '/healthz', host: 'web.test' });
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^HTTPS DEPTH_ZERO_SELF_SIGNED_CERT|self.signed/);
    expect((await https({ path: '/healthz', tls_verify: false })).ok).toBe(true);
  });

  it('https: a wrong name is down with the TLS reason', async () => {
    const r = await https({ path: '/healthz', sni: 'other.test', ca_file: cert });
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('https against a plain-HTTP port is down with the TLS reason, not a crash', async () => {
    const r = await runner.once({ type: 'https', timeout: '2s', interval: '2s', tls_verify: false }, addr, port);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^HTTPS (ERR_SSL_WRONG_VERSION_NUMBER|EPROTO|ECONNRESET|.*wrong version number)/);
  });

  it('HEAD and POST: the method, body length and extra headers reach the server', async () => {
    expect(
      await http({
        path: '/echo',
        method: 'POST',
        body: 'a=1',
        headers: { 'X-Probe': 'p1' },
        expect_body: '^POST 3 p1\n$',
      }),
    ).toMatchObject({ ok: true });
    expect(await http({ path: '/echo', method: 'PUT', expect_body: '^PUT 0 ' })).toMatchObject({ ok: true });
    expect(await http({ path: '/healthz', method: 'HEAD' })).toEqual({
      ok: true,
      detail: `HTTP 200 from ${addr}:${port}/healthz`,
    });
  });

  it('decodes a chunked body (nginx sends one when sub_filter drops Content-Length)', async () => {
    const raw = await rawGet(addr, port, '/chunked.txt');
    expect(raw).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
    const want = page.replace('page', 'PAGE');
    expect(
      await http({
        path: '/chunked.txt',
        expect_body: `^${want}$`,
        expect_digest: createHash('sha256').update(want).digest('hex'),
      }),
    ).toMatchObject({ ok: true });
  });

  it('a failure after a redirect names where it was sent', async () => {
    expect(await http({ path: '/moved-fail', follow_redirects: 1 })).toEqual({
      ok: false,
      detail: `HTTP 503 from ${addr}:${port}/moved-fail (redirected to http://${addr}:${port}/fail)`,
    });
  });

  it('connect_ip/connect_port replace the real server, bindto sets the source address', async () => {
    const src = loopbackAddr();
    const r = await runner.once(
      {
        type: 'http',
        timeout: '2s',
        interval: '2s',
        path: '/healthz?bindto-probe',
        connect_ip: addr,
        connect_port: port,
        bindto: src,
      },
      '192.0.2.1',
      9,
    );
    expect(r).toEqual({ ok: true, detail: `HTTP 200 from ${addr}:${port}/healthz?bindto-probe` });
    const line = readFileSync(join(tmp.dir, 'access.log'), 'utf8')
      .split('\n')
      .find((l) => l.includes('bindto-probe'));
    expect(line?.split(' ')[0]).toBe(src);
  });

  it('closes with a RST: http and https probes leave no TIME_WAIT on either side', async () => {
    const src = loopbackAddr();
    const timeWaits = () =>
      execFileSync('ss', ['-Htan', 'state', 'time-wait'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(`${src}:`)).length;
    for (let i = 0; i < 5; i++) {
      expect(await http({ path: '/healthz', bindto: src })).toMatchObject({ ok: true });
      expect(await http({ path: '/page.txt', bindto: src, max_body_bytes: 4 })).toMatchObject({ ok: true }); // stops reading early
      expect(await https({ path: '/healthz', sni: 'web.test', ca_file: cert, bindto: src })).toMatchObject({
        ok: true,
      });
    }
    expect(
      await http({ path: '/slow.txt', bindto: src, timeout: '200ms', interval: '1s', max_body_bytes: 1_000_000 }),
    ).toMatchObject({ ok: false });
    expect(timeWaits()).toBe(0);
    // the check can fail: a plain close by the client does leave one
    await new Promise<void>((resolve) => {
      const s = net.connect({ host: addr, port, localAddress: src }, () => s.end());
      s.on('close', () => resolve());
    });
    expect(timeWaits()).toBe(1);
  });

  it('a refused connection is down with ECONNREFUSED', async () => {
    const closed = await freePort(addr);
    const r = await runner.once({ type: 'http', timeout: '1s', interval: '1s' }, addr, closed);
    expect(r).toEqual({ ok: false, detail: `HTTP ECONNREFUSED (${addr}:${closed}/)` });
  });

  it('shared probes: 3 virtual servers on one backend make 1 request per interval at the server', async () => {
    const engine = new HealthEngine();
    const events: HealthEvent[] = [];
    engine.onTransition((e) => events.push(e));
    const spec = checkSchema.parse({
      type: 'http',
      path: '/healthz?shared-probe',
      interval: '300ms',
      timeout: '250ms',
      initial: 'down',
      rise: 1,
      warmup: false,
    });
    try {
      engine.setTargets(['vs1', 'vs2', 'vs3'].map((vs) => ({ id: `${vs}/rs1`, address: addr, port, spec })));
      await new Promise((r) => setTimeout(r, 1450));
      const rounds = engine.status('vs1/rs1')!.probes;
      const n = accessLogCount(tmp.dir, 'shared-probe');
      // the server saw exactly the rounds of ONE probe (+1 if a request is logged but not yet counted),
      // about one per 300 ms interval, not three
      expect(rounds).toBeGreaterThanOrEqual(3);
      expect(n === rounds || n === rounds + 1).toBe(true);
      expect(n).toBeLessThanOrEqual(6);
      expect(engine.stats()).toMatchObject({ targets: 3, probes: 1 });
      expect(events.map((e) => `${e.id}:${e.to}`).sort()).toEqual(['vs1/rs1:up', 'vs2/rs1:up', 'vs3/rs1:up']);
    } finally {
      await engine.stop();
    }
  });
});

/** GET `path` with a hand-written HTTP/1.1 request; resolves with the raw response (the server closes). */
function rawGet(addr: string, port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: addr, port }, () =>
      s.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`),
    );
    let out = '';
    s.on('data', (b) => (out += b.toString('latin1')));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}
