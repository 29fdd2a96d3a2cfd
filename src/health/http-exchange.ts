/**
 * One HTTP exchange on a fresh connection: connect (TCP, then TLS via node:tls for https), write the
 * request, feed the bytes to the pure parser (http-response.ts), keep at most `maxBody` body bytes, and
 * close. The connection is closed with a RST (SO_LINGER 0) as soon as the answer is known, so probes
 * leave no TIME_WAIT behind; when the server closed first, a plain close is already TIME_WAIT-free.
 */
import { createHash, type Hash } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ResponseParser } from './http-response.js';

/** TLS settings of an https exchange. */
export interface TlsSetup {
  /** SNI and the name the certificate must carry; undefined: no SNI, the certificate must name the address. */
  servername?: string;
  /** Verify the certificate chain and name. */
  rejectUnauthorized: boolean;
  /** Trusted CAs (a cached context: building one per probe is costly). */
  secureContext: tls.SecureContext;
}

/** Where and how to connect. */
export interface ExchangeTarget {
  host: string;
  port: number;
  /** Source address to bind (bindto). */
  localAddress?: string;
  tls?: TlsSetup;
}

/** Body digests an http check can expect: MD5 (keepalived's HTTP_GET digest, genhash) or SHA-256. */
export type DigestAlgorithm = 'md5' | 'sha256';

/** The algorithm of an expected hex digest: 32 digits MD5, 64 digits SHA-256 (the schema allows no other length). */
export function digestAlgorithm(hex: string): DigestAlgorithm {
  return hex.length === 32 ? 'md5' : 'sha256';
}

/** What to send and what to keep of the answer. */
export interface ExchangeRequest {
  bytes: Buffer;
  /** HEAD request: the response has no body. */
  head: boolean;
  /** Most body bytes read; more means `truncated`, and reading stops. */
  maxBody: number;
  /** Keep the body text (for a regex). */
  keepText: boolean;
  /** Hash the body with this algorithm (undefined: no hash). */
  digest: DigestAlgorithm | undefined;
}

/** The body bytes read (at most maxBody): text if asked, digest if asked. */
export interface BodyRead {
  text: string;
  digest: string;
  bytes: number;
  truncated: boolean;
}

/** The response of one exchange. */
export interface HttpResponse {
  status: number;
  location?: string;
  body: BodyRead;
}

/** Collects at most `max` body bytes; marks `truncated` when more arrive. */
class BodySink {
  bytes = 0;
  truncated = false;
  private chunks: Buffer[] = [];
  private hash: Hash | undefined;

  constructor(
    private readonly max: number,
    private readonly keepText: boolean,
    digest: DigestAlgorithm | undefined,
  ) {
    this.hash = digest ? createHash(digest) : undefined;
  }

  add(view: Buffer): void {
    if (this.truncated) return;
    const room = this.max - this.bytes;
    const part = view.length > room ? view.subarray(0, room) : view;
    if (view.length > room) this.truncated = true;
    if (part.length === 0) return;
    if (this.keepText) this.chunks.push(Buffer.from(part));
    this.hash?.update(part);
    this.bytes += part.length;
  }

  result(): BodyRead {
    const text = this.chunks.length ? Buffer.concat(this.chunks).toString('utf8') : '';
    return { text, digest: this.hash?.digest('hex') ?? '', bytes: this.bytes, truncated: this.truncated };
  }
}

/**
 * Closes with RST once the TCP connection is up (no TIME_WAIT); a plain destroy while connecting or after the
 * peer closed.
 */
function closeRaw(raw: net.Socket, peerClosed: boolean): void {
  if (raw.destroyed) return;
  if (raw.connecting || peerClosed) raw.destroy();
  else raw.resetAndDestroy();
}

/** The TCP socket (closed with RST later) and the one to talk on: the same for http, TLS over it for https. */
function open(t: ExchangeTarget): { raw: net.Socket; sock: net.Socket } {
  const raw = net.connect({ host: t.host, port: t.port, localAddress: t.localAddress });
  return { raw, sock: t.tls ? tls.connect({ socket: raw, host: t.host, ...t.tls }) : raw };
}

/**
 * Runs one exchange and calls `done` exactly once: with the response once it is complete (or
 * `maxBody` is exceeded), or with the socket, TLS or parse error (HttpParseError). Returns `stop`,
 * which closes the connection without calling `done` (a no-op once settled). The connection is always
 * closed when it settles. Callback form on purpose: no promise, AbortSignal or listener per probe
 * (at 2,000 probes/s those were most of the garbage promoted to old space; bench/results/health.md).
 */
export function exchange(
  t: ExchangeTarget,
  req: ExchangeRequest,
  done: (err: unknown, res?: HttpResponse) => void,
): () => void {
  const { raw, sock } = open(t);
  const sink = new BodySink(req.maxBody, req.keepText, req.digest);
  const parser = new ResponseParser({ head: req.head, onBody: (v) => sink.add(v) });
  let settled = false;
  const settle = (err: unknown, peerClosed = false): void => {
    if (settled) return;
    settled = true;
    closeRaw(raw, peerClosed);
    if (err !== undefined) return done(err);
    const h = parser.head!;
    done(undefined, { status: h.status, location: h.location, body: sink.result() });
  };
  const onError = (e: Error): void => settle(e);
  raw.on('error', onError);
  if (sock !== raw) sock.on('error', onError);
  sock.on('data', (chunk: Buffer) => {
    const err = attempt(() => parser.feed(chunk));
    if (err !== undefined || parser.done || sink.truncated) settle(err);
  });
  sock.on('end', () =>
    settle(
      attempt(() => parser.end()),
      true,
    ),
  );
  sock.write(req.bytes);
  return () => {
    if (settled) return;
    settled = true;
    closeRaw(raw, false);
  };
}

/** Runs `f`; returns what it threw, or undefined. */
function attempt(f: () => void): unknown {
  try {
    f();
    return undefined;
  } catch (e) {
    return e ?? new Error('parser threw nothing');
  }
}
