/**
 * The plain-HTTP probe candidates measured by bench/health-http-cost.ts. Each makes a fresh connection
 * per probe to GET /h, reads the whole response, and reports ok (status 200) or a failure reason.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { Client } from 'undici';
import { createHttpCheckers } from '../src/health/http.js';
import { checkSchema } from '../src/health/schema.js';

/** One probe of addr:port; calls `done` once. */
export type Candidate = (addr: string, port: number, done: (ok: boolean, why: string) => void) => void;

const PATH = '/h';

/** floor: connect, write a fixed request, take the first chunk as the answer, RST. No parsing. */
function floor(): Candidate {
  return (addr, port, done) => {
    const s = net.connect({ host: addr, port });
    s.on('connect', () => s.write(`GET ${PATH} HTTP/1.1\r\nhost: ${addr}:${port}\r\nuser-agent: lvsd-health\r\n\r\n`));
    s.on('data', (b: Buffer) => (done(b.subarray(9, 12).toString('latin1') === '200', 'status'), s.resetAndDestroy()));
    s.on('error', (e) => (done(false, e.message), s.destroy()));
  };
}

/** floor-onread: as floor, but reads into one shared buffer (net's `onread`) instead of a Buffer per read. */
function floorOnread(): Candidate {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  return (addr, port, done) => {
    let fin = false;
    const s = net.connect({
      host: addr,
      port,
      onread: {
        buffer,
        callback: (_n: number, b: Uint8Array) => {
          if (!fin)
            ((fin = true), done(b[9] === 0x32 && b[10] === 0x30 && b[11] === 0x30, 'status'), s.resetAndDestroy());
          return false;
        },
      },
    });
    s.write(`GET ${PATH} HTTP/1.1\r\nhost: ${addr}:${port}\r\nuser-agent: lvsd-health\r\n\r\n`);
    s.on('error', (e) => (done(false, e.message), s.destroy()));
  };
}

/** checker: lvsd's own http checker as the engine calls it (one AbortController per probe). */
function checker(): Candidate {
  const { http: c } = createHttpCheckers();
  const spec = checkSchema.parse({ type: 'http', path: PATH, interval: '1s', timeout: '900ms' });
  return (addr, port, done) => {
    const target = { address: addr, port, server: { address: addr, port }, timeoutMs: 900 };
    void c.probe(target, spec as never, new AbortController().signal).then((r) => done(r.ok, r.detail));
  };
}

/** undici-client: a new undici Client per probe and `request()` with a streamed body (lvsd before this change). */
function undiciClient(): Candidate {
  return undiciPerProbe('http', { rejectUnauthorized: true });
}

/** One undici Client per probe, `request()`, the body drained: lvsd's HTTP(S) probe before this change. */
function undiciPerProbe(scheme: 'http' | 'https', connect: Record<string, unknown>): Candidate {
  const opts = { pipelining: 1, headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 1, connect };
  return (addr, port, done) => {
    const origin = `${scheme}://${addr}:${port}`;
    const c = new Client(origin, opts);
    c.request({
      origin,
      path: PATH,
      method: 'GET',
      headers: { 'user-agent': 'lvsd-health' },
      reset: true,
      signal: new AbortController().signal,
    })
      .then(async (res) => {
        for await (const _ of res.body) void _;
        done(res.statusCode === 200, `HTTP ${res.statusCode}`);
      })
      .catch((e: Error) => done(false, e.message))
      .finally(() => void c.destroy().catch(() => {}));
  };
}

/**
 * undici-lean: a new Client per probe over our own net socket (no connector/session cache), `dispatch` with a
 * bare handler (no body stream, no promise).
 */
function undiciLean(): Candidate {
  return (addr, port, done) => {
    const origin = `http://${addr}:${port}`;
    let sock: net.Socket | undefined;
    const connect = (_o: unknown, cb: (e: Error | null, s: net.Socket | null) => void): void => {
      sock = net.connect({ host: addr, port });
      sock.once('connect', () => cb(null, sock!));
      sock.once('error', (e) => cb(e, null));
    };
    const c = new Client(origin, { pipelining: 1, headersTimeout: 0, bodyTimeout: 0, connect: connect as never });
    let status = 0;
    const end = (ok: boolean, why: string): void => {
      done(ok, why);
      if (sock && !sock.destroyed) sock.resetAndDestroy();
      void c.destroy().catch(() => {});
    };
    c.dispatch({ origin, path: PATH, method: 'GET', headers: { 'user-agent': 'lvsd-health' }, reset: true }, {
      onRequestStart() {},
      onResponseStart(_c: unknown, code: number) {
        status = code;
      },
      onResponseData() {},
      onResponseEnd: () => end(status === 200, `HTTP ${status}`),
      onResponseError: (_c: unknown, e: Error) => end(false, e.message),
    } as never);
  };
}

/** node-http: http.request with agent:false (llhttp in C++), body consumed, RST at the end. */
function nodeHttp(): Candidate {
  return (addr, port, done) => {
    let settled = false;
    const once = (ok: boolean, why: string): void => {
      if (settled) return;
      settled = true;
      done(ok, why);
      const s = req.socket;
      if (s && !s.destroyed) s.resetAndDestroy();
    };
    const req = http.request({ host: addr, port, path: PATH, agent: false, headers: { 'user-agent': 'lvsd-health' } });
    req.on('response', (res) => {
      res.on('data', () => {});
      res.on('end', () => once(res.statusCode === 200, `HTTP ${res.statusCode}`));
    });
    req.on('error', (e) => once(false, e.message));
    req.end();
  };
}

/** tcp: connect and RST only, no HTTP at all (what a tcp check costs; not an HTTP probe). */
function tcpOnly(): Candidate {
  return (addr, port, done) => {
    const s = net.connect({ host: addr, port });
    s.on('connect', () => (done(true, ''), s.resetAndDestroy()));
    s.on('error', (e) => (done(false, e.message), s.destroy()));
  };
}

/** checker-https: lvsd's https checker, verifying the certificate against the CA file, SNI web.test. */
function checkerHttps(): Candidate {
  const { https: c } = createHttpCheckers();
  const spec = checkSchema.parse({
    type: 'https',
    path: PATH,
    interval: '1s',
    timeout: '900ms',
    sni: 'web.test',
    ca_file: process.env.LVSD_BENCH_CA,
  });
  return (addr, port, done) => {
    const target = { address: addr, port, server: { address: addr, port }, timeoutMs: 900 };
    void c.probe(target, spec as never, new AbortController().signal).then((r) => done(r.ok, r.detail));
  };
}

/** undici-https: as undici-client (lvsd before this change) over TLS with the same checks. */
function undiciHttps(): Candidate {
  return undiciPerProbe('https', {
    servername: 'web.test',
    rejectUnauthorized: true,
    ca: readFileSync(process.env.LVSD_BENCH_CA!),
  });
}

/** Candidate factories by name (a factory builds shared state once, then returns the probe). */
export const candidates: Record<string, () => Candidate | Promise<Candidate>> = {
  tcp: tcpOnly,
  floor,
  'floor-onread': floorOnread,
  checker,
  'undici-client': undiciClient,
  'undici-lean': undiciLean,
  'node-http': nodeHttp,
  'checker-https': checkerHttps,
  'undici-https': undiciHttps,
};
