/**
 * The metrics HTTP listener (global.metrics_listen, validated and split by the config):
 *   GET /metrics → Prometheus text exposition of the registry;
 *   GET /metrics?name[]=F&name[]=G → only those metric families (a cheap scrape of a few families at a
 *     size where the whole text is tens of MB; 400 naming an unknown or malformed family);
 *   GET /healthz → 200 "ok" while the daemon's health function says so, else 503 with the reason;
 *   the routes of `MetricsSource.routes` (the status page, src/web/routes.ts), when given.
 * Anything else → 404. Never exposes a stack trace.
 * What one client can hold is bounded (`METRICS_LIMITS`): connections open at once (more are
 * closed at accept), time to send the request headers and the whole request, keep-alive and idle
 * time, so scrapers or a local user cannot use up the file descriptors the daemon's probes need.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prometheusContentType } from 'prom-client';

/** What the HTTP listener serves. */
export interface MetricsSource {
  /**
   * The exposition text, whole or in pieces (sent one event-loop turn apart, see sendPieces); with
   * `families`, only those families, in that order. Rejects with MetricsQueryError for a family it
   * does not have.
   */
  metrics(families?: readonly string[]): Promise<string | Iterable<string>>;
  /** undefined = healthy; a string = why not. */
  unhealthy(): string | undefined;
  /** More GET routes: answers and returns true, or returns false for a path it does not serve. */
  routes?: { handle(req: IncomingMessage, res: ServerResponse, path: string): boolean; close?(): void };
}

/** Limits of the metrics listener (a Prometheus scrape is one request on one or two connections). */
export const METRICS_LIMITS = {
  connections: 32,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  /** A connection with no traffic at all for this long is closed. */
  idleMs: 30_000,
};

/** A /metrics query the server refuses (400): the message names the problem. */
export class MetricsQueryError extends Error {
  override readonly name = 'MetricsQueryError';
}

/** Most `name[]` parameters in one request. */
const MAX_FAMILIES = 64;
const FAMILY_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$/;

/**
 * The families a query asks for (`name[]`, repeated), or undefined for all. Throws MetricsQueryError
 * for a malformed name or too many of them.
 */
export function requestedFamilies(query: string): string[] | undefined {
  const names = new URLSearchParams(query).getAll('name[]');
  if (names.length === 0) return undefined;
  if (names.length > MAX_FAMILIES) throw new MetricsQueryError(`at most ${MAX_FAMILIES} name[] parameters`);
  for (const n of names)
    if (!FAMILY_NAME.test(n))
      throw new MetricsQueryError(`malformed metric family name ${JSON.stringify(n.slice(0, 64))}`);
  return [...new Set(names)];
}

/** A listening metrics server. */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    private readonly src: MetricsSource,
  ) {}

  /** Listens on `host`:`port`; resolves once bound (rejects with the bind error, e.g. EADDRINUSE). */
  static async listen({ host, port }: { host: string; port: number }, src: MetricsSource): Promise<MetricsServer> {
    const L = METRICS_LIMITS;
    const opts = {
      headersTimeout: L.headersTimeoutMs,
      requestTimeout: L.requestTimeoutMs,
      keepAliveTimeout: L.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1000, // how often the two timeouts above are enforced (default 30 s)
    };
    const server = createServer(opts, (req, res) => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
      if (path === '/healthz') {
        const why = src.unhealthy();
        res.writeHead(why ? 503 : 200, { 'content-type': 'text/plain' }).end(why ? `${why}\n` : 'ok\n');
        return;
      }
      if (path !== '/metrics' && src.routes?.handle(req, res, path)) return;
      if (path !== '/metrics') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      const refuse = (e: MetricsQueryError) =>
        void res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad metrics query: ${e.message}\n`);
      let families: string[] | undefined;
      try {
        families = q < 0 ? undefined : requestedFamilies(url.slice(q + 1));
      } catch (e) {
        return refuse(e as MetricsQueryError);
      }
      src.metrics(families).then(
        (text) => {
          res.writeHead(200, { 'content-type': prometheusContentType });
          if (typeof text === 'string') res.end(text);
          else void sendPieces(res, text);
        },
        (e: Error) =>
          e instanceof MetricsQueryError
            ? refuse(e)
            : res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${e.message}\n`),
      );
    });
    server.maxConnections = L.connections;
    server.setTimeout(L.idleMs, (sock) => sock.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => (server.off('error', reject), resolve()));
    });
    return new MetricsServer(server, src);
  }

  /** The bound port (useful with port 0). */
  port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and closes idle keep-alive connections. */
  async close(): Promise<void> {
    this.src.routes?.close?.();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Writes `pieces` one event-loop turn apart (setImmediate: probes and timers due meanwhile run
 * between two pieces), waiting for 'drain' when the socket's buffer is full; stops if the client
 * goes away. A piece that throws ends the response (the client sees a cut body, never a stack).
 */
async function sendPieces(res: ServerResponse, pieces: Iterable<string>): Promise<void> {
  try {
    for (const piece of pieces) {
      if (res.destroyed) return;
      if (!res.write(piece))
        await new Promise<void>((resolve) => {
          const done = () => (res.off('drain', done), res.off('close', done), resolve());
          res.on('drain', done).on('close', done);
        });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    res.end();
  } catch {
    res.destroy();
  }
}
