/**
 * The lab's client: a continuous request loop through the VIP, one fresh TCP connection per
 * request (so IPVS schedules each one), counting answers per backend and failures.
 *
 * Usage (inside the client namespace): node dist/src/lab/client.js URL...
 * stdin commands, one per line: `add URL` (another target, requests alternate between targets),
 * `mark` (reset the longest-gap tracker), `quit`.
 * stdout: one JSON line (a ClientReport) every 250 ms.
 */
import { request } from 'node:http';
import { createInterface } from 'node:readline';

/** What the client prints every 250 ms. Counts are cumulative since start. */
export interface ClientReport {
  sent: number;
  failed: number;
  /** Answers per backend: "be1" for port 80, "be1:8080" for other ports. */
  byBackend: Record<string, number>;
  /** Longest time between two successful answers since the last `mark`, in ms. */
  maxGapMs: number;
  lastError?: string;
  /** The latest failed requests (at most MAX_FAILURES): when each started (epoch ms) and why it failed. */
  failures: Failure[];
}

/** A failed request: when it started (epoch ms, the guest clock) and why it failed. */
export interface Failure {
  at: number;
  error: string;
}

/** Failures kept in the report; a check that finds this many in its window fails anyway. */
const MAX_FAILURES = 20;

const REQUEST_TIMEOUT_MS = 1000;
const PAUSE_MS = 15;

/** Label under which an answer is counted: the backend's name, plus the port when it is not 80. */
export function backendLabel(body: string, url: string): string {
  const name = body.trim().split(/\s+/)[0] || '(empty)';
  const port = new URL(url).port;
  return port && port !== '80' ? `${name}:${port}` : name;
}

/**
 * One GET with a fresh connection; resolves with the body, rejects on error, timeout or non-200.
 * A timeout is judged only after the I/O that already arrived has been read: when the client
 * itself was stalled (a loaded guest does not run it for a while), the timer and the answer are
 * both due when it runs again, and timers run before I/O in Node's event loop; without the
 * deferral an answer that came in time would count as a failed request.
 */
export function fetchOnce(url: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => setImmediate(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`))));
    req.on('error', reject);
    req.end();
  });
}

class Loop {
  readonly report: ClientReport = { sent: 0, failed: 0, byBackend: {}, maxGapMs: 0, failures: [] };
  private lastOk = 0;
  private next = 0;
  stopped = false;

  constructor(readonly urls: string[]) {}

  async run(): Promise<void> {
    while (!this.stopped) {
      const url = this.urls[this.next++ % this.urls.length];
      await this.once(url);
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
  }

  mark(): void {
    this.report.maxGapMs = 0;
    this.lastOk = Date.now();
  }

  private async once(url: string): Promise<void> {
    this.report.sent++;
    const at = Date.now();
    try {
      const label = backendLabel(await fetchOnce(url), url);
      this.report.byBackend[label] = (this.report.byBackend[label] ?? 0) + 1;
      const now = Date.now();
      if (this.lastOk > 0) this.report.maxGapMs = Math.max(this.report.maxGapMs, now - this.lastOk);
      this.lastOk = now;
    } catch (e) {
      this.report.failed++;
      this.report.lastError = `${url}: ${(e as Error).message}`;
      this.report.failures.push({ at, error: this.report.lastError });
      if (this.report.failures.length > MAX_FAILURES) this.report.failures.shift();
    }
  }
}

function main(urls: string[]): void {
  if (urls.length === 0) {
    process.stderr.write('usage: client.js URL...\n');
    process.exit(2);
  }
  const loop = new Loop(urls);
  const timer = setInterval(() => process.stdout.write(JSON.stringify(loop.report) + '\n'), 250);
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === 'add' && arg) loop.urls.push(arg);
    else if (cmd === 'mark') loop.mark();
    else if (cmd === 'quit') loop.stopped = true;
  });
  void loop.run().then(() => {
    clearInterval(timer);
    process.stdout.write(JSON.stringify(loop.report) + '\n');
    process.exit(0);
  });
}

if (process.argv[1]?.endsWith('/lab/client.js')) main(process.argv.slice(2));
