/**
 * The status page's live feed (server-sent events). While at least one page is open, the status is
 * built once per interval (not once per page) and each page gets what changed since the previous
 * build (`event: delta`, see status-delta.ts); a page that connects gets the whole report first
 * (`event: snapshot`). Nothing is built while no page is open. Bounded: at most `maxClients`
 * streams, and a page that does not read its stream (more than `maxBuffered` bytes queued) is
 * dropped; its browser reconnects and starts again from a snapshot.
 */
import type { ServerResponse } from 'node:http';
import { jsonText, statusDelta, type Json } from './status-delta.js';

/** Settings of a feed. */
export interface StatusFeedOptions {
  /** Builds the current status report (called at most once per interval). */
  status: () => unknown;
  /** Time between two builds while a page is open (ms). */
  intervalMs?: number;
  maxClients?: number;
  maxBuffered?: number;
  /** Errors of `status()`; the feed keeps going. */
  onError?: (e: unknown) => void;
}

type Report = { [k: string]: Json };

/** Streams status snapshots and deltas to open pages. */
export class StatusFeed {
  private readonly clients = new Set<ServerResponse>();
  private last?: { report: Report; text: string };
  private timer?: NodeJS.Timeout;
  private seq = 0;
  private building?: Promise<void>;

  constructor(private readonly o: StatusFeedOptions) {}

  /** Number of open streams. */
  get size(): number {
    return this.clients.size;
  }

  /** Serves one stream on `res` (answers 503 when full). Resolves once the first snapshot was written. */
  async attach(res: ServerResponse): Promise<void> {
    if (this.clients.size >= (this.o.maxClients ?? 32)) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('too many status pages open\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    res.on('close', () => this.detach(res));
    if (!this.last) await this.build();
    if (this.last && this.clients.has(res)) this.send(res, 'snapshot', this.last.text);
    this.timer ??= setInterval(() => void this.tick(), this.o.intervalMs ?? 1000);
  }

  /** Ends every stream and stops building. */
  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stop();
  }

  private detach(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.last = undefined;
  }

  private async tick(): Promise<void> {
    if (this.building) return; // a slow build: skip this turn rather than pile up
    const before = this.last?.report;
    await this.build();
    if (!before || !this.last) return;
    const delta = statusDelta(before, this.last.report);
    const text = delta ? JSON.stringify(delta) : undefined;
    for (const res of this.clients) {
      if (text) this.send(res, 'delta', text);
      else res.write(': idle\n\n'); // keeps proxies and the browser's connection check happy
    }
  }

  private build(): Promise<void> {
    this.building ??= (async () => {
      try {
        const text = jsonText(await this.o.status());
        this.last = { report: JSON.parse(text) as Report, text };
      } catch (e) {
        this.o.onError?.(e);
      } finally {
        this.building = undefined;
      }
    })();
    return this.building;
  }

  private send(res: ServerResponse, event: string, data: string): void {
    if (res.writableLength > (this.o.maxBuffered ?? 8 << 20)) return void res.destroy();
    res.write(`id: ${++this.seq}\nevent: ${event}\ndata: ${data}\n\n`);
  }
}
