/**
 * The status page's HTTP routes, served on the metrics listener beside /metrics and /healthz:
 *   GET /, /status        the page (status page HTML, with its Content-Security-Policy)
 *   GET /status.json      the whole status report as JSON (the page's export)
 *   GET /status/events    the live feed (server-sent events, status-feed.ts)
 * `handle` answers these and returns true, or returns false for any other path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonText } from './status-delta.js';
import { StatusFeed, type StatusFeedOptions } from './status-feed.js';
import { statusPage } from './page.js';

/** Security headers every status response carries. */
const COMMON = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' };

/** The status page's routes over one status source. */
export class StatusRoutes {
  readonly feed: StatusFeed;

  constructor(private readonly o: StatusFeedOptions) {
    this.feed = new StatusFeed(o);
  }

  /** Answers `path` if it is one of the status routes; false otherwise (the caller answers 404). */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (path === '/' || path === '/status') {
      const page = statusPage();
      res.writeHead(200, {
        ...COMMON,
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': page.csp,
        'x-frame-options': 'DENY',
      });
      res.end(page.html);
      return true;
    }
    if (path === '/status.json') {
      Promise.resolve()
        .then(() => this.o.status())
        .then(
          (s) => res.writeHead(200, { ...COMMON, 'content-type': 'application/json' }).end(jsonText(s) + '\n'),
          (e: Error) =>
            res.writeHead(500, { ...COMMON, 'content-type': 'text/plain' }).end(`status failed: ${e.message}\n`),
        );
      return true;
    }
    if (path === '/status/events') {
      if (req.method === 'HEAD') res.writeHead(200, { ...COMMON, 'content-type': 'text/event-stream' }).end();
      else void this.feed.attach(res);
      return true;
    }
    return false;
  }

  /** Ends open feeds. */
  close(): void {
    this.feed.close();
  }
}
