/**
 * Long-lived TCP connections through a VIP that check they survive failovers: the proof of
 * connection sync (kernel tier) and its benchmark run this inside user-mode Linux.
 *
 *   node dist/src/lab/long-conns.js serve NAME PORT
 *       a backend: every line "N" received is answered "NAME N".
 *   node dist/src/lab/long-conns.js client HOST:PORT CONNS INTERVAL_MS STATUS_FILE RESULT_FILE [RAMP_MS]
 *       CONNS connections, opened over RAMP_MS (default 2000), each sending "1", "2", ... every
 *       INTERVAL_MS. Every connection must keep answering from the backend of its first answer, in
 *       order, and never close or reset. STATUS_FILE is rewritten every second ({connected, alive,
 *       dead, replies}); on SIGTERM or SIGINT the per-connection results go to RESULT_FILE as JSON
 *       (a LongConnsReport) and the process exits.
 * The checking is the pure `ConnCheck` below; the rest is sockets.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { writeFileSync, renameSync } from 'node:fs';

/** A silence longer than this many intervals is recorded as a pause (with when it started and ended). */
const PAUSE_FACTOR = 3;

/** One pause of a connection: no answer from `from` to `to` (epoch ms). */
export interface Pause {
  from: number;
  to: number;
}

/** What became of one connection. */
export interface ConnResult {
  id: number;
  /** Backend of the first answer ("b2"); every later answer must come from it. */
  backend?: string;
  sent: number;
  answered: number;
  /** Still open, answering in order from one backend. */
  alive: boolean;
  /** Why not (first problem only): "reset: ECONNRESET", "closed by peer", "backend b1 then b3", "answer 7 after 5". */
  failure?: string;
  failedAt?: number;
  /** Longest silence between two answers (or from the first send to the first answer), ms. */
  maxGapMs: number;
  /** When the last answer came (epoch ms). */
  lastAnswerAt?: number;
  /** Silences longer than PAUSE_FACTOR intervals. */
  pauses: Pause[];
}

/** The client's final report. */
export interface LongConnsReport {
  target: string;
  conns: number;
  intervalMs: number;
  startedAt: number;
  endedAt: number;
  results: ConnResult[];
}

/** The checks of one connection, fed with events and their times; pure. */
export class ConnCheck {
  readonly r: ConnResult;
  private last: number | undefined;
  private buf = '';

  constructor(
    id: number,
    private readonly intervalMs: number,
  ) {
    this.r = { id, sent: 0, answered: 0, alive: true, maxGapMs: 0, pauses: [] };
  }

  /** The next message to send ("N\n"), counted as sent at `now`. */
  send(now: number): string {
    if (this.r.sent === 0) this.last = now;
    return `${++this.r.sent}\n`;
  }

  /** Bytes received at `now`: each complete line must be "<backend> <next number>". */
  data(chunk: string, now: number): void {
    this.buf += chunk;
    for (let nl = this.buf.indexOf('\n'); nl >= 0 && this.r.alive; nl = this.buf.indexOf('\n')) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      this.answer(line, now);
    }
  }

  private answer(line: string, now: number): void {
    const [backend, n] = line.split(' ');
    if (this.r.backend === undefined) this.r.backend = backend;
    else if (backend !== this.r.backend) return this.fail(`backend ${this.r.backend} then ${backend}`, now);
    if (Number(n) !== this.r.answered + 1) return this.fail(`answer ${n} after ${this.r.answered}`, now);
    this.r.answered++;
    const gap = now - (this.last ?? now);
    if (gap > this.r.maxGapMs) this.r.maxGapMs = gap;
    if (gap > PAUSE_FACTOR * this.intervalMs) this.r.pauses.push({ from: this.last!, to: now });
    this.last = now;
    this.r.lastAnswerAt = now;
  }

  /** The connection ended or failed at `now` (a reset, a close, a timeout). */
  fail(why: string, now: number): void {
    if (!this.r.alive) return;
    this.r.alive = false;
    this.r.failure = why;
    this.r.failedAt = now;
  }
}

function writeAtomically(file: string, text: string): void {
  writeFileSync(file + '.tmp', text);
  renameSync(file + '.tmp', file);
}

/** The backend: answers each line "N" with "NAME N". Returns the listening server. */
export function serve(name: string, port: number): Server {
  return createServer((s) => {
    s.setNoDelay(true);
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      buf += c;
      let out = '';
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        out += `${name} ${buf.slice(0, nl)}\n`;
        buf = buf.slice(nl + 1);
      }
      if (out) s.write(out);
    });
    s.on('error', () => s.destroy());
  }).listen(port, '::');
}

/** A running client: `stop()` closes every connection and returns the report. */
export interface LongConnsClient {
  /** Connected so far, alive now, failed so far, answers so far. */
  status(): { connected: number; alive: number; dead: number; replies: number };
  stop(): LongConnsReport;
}

/** Opens `conns` connections to `target` ("host:port") over `rampMs`; see the module comment. */
export function startClient(target: string, conns: number, intervalMs: number, rampMs = 2000): LongConnsClient {
  const at = target.lastIndexOf(':');
  const [host, port] = [target.slice(0, at).replace(/^\[|\]$/g, ''), Number(target.slice(at + 1))];
  const startedAt = Date.now();
  const checks: ConnCheck[] = [];
  const sockets: Socket[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let connected = 0;
  const later = (fn: () => void, ms: number): void => {
    const t = setTimeout(() => (timers.delete(t), fn()), ms);
    timers.add(t);
  };
  const open = (i: number): void => {
    const c = (checks[i] = new ConnCheck(i, intervalMs));
    const s = createConnection({ host, port }, () => {
      connected++;
      s.setNoDelay(true);
      const tick = (): void => {
        if (!c.r.alive) return;
        s.write(c.send(Date.now()));
        later(tick, intervalMs);
      };
      tick();
    });
    sockets[i] = s;
    s.setEncoding('utf8');
    s.on('data', (d: string) => c.data(d, Date.now()));
    s.on('error', (e: NodeJS.ErrnoException) => c.fail(`reset: ${e.code ?? e.message}`, Date.now()));
    s.on('close', () => c.fail('closed by peer', Date.now()));
  };
  for (let i = 0; i < conns; i++) later(() => open(i), Math.floor((i * rampMs) / conns));
  return {
    status: () => ({
      connected,
      alive: checks.filter((c) => c?.r.alive).length,
      dead: checks.filter((c) => c && !c.r.alive).length,
      replies: checks.reduce((n, c) => n + (c?.r.answered ?? 0), 0),
    }),
    stop: () => {
      for (const t of timers) clearTimeout(t);
      const report: LongConnsReport = {
        target,
        conns,
        intervalMs,
        startedAt,
        endedAt: Date.now(),
        results: checks.map((c) => structuredClone(c.r)),
      };
      for (const s of sockets) s?.destroy();
      return report;
    },
  };
}

/** The client as a process: status file every second, report file on SIGTERM/SIGINT, then exit. */
function runClient(a: string[]): void {
  const [target, conns, interval, statusFile, resultFile, ramp] = a;
  const c = startClient(target!, Number(conns), Number(interval), ramp === undefined ? undefined : Number(ramp));
  const status = setInterval(() => writeAtomically(statusFile!, JSON.stringify(c.status())), 1000);
  const stop = (): void => {
    clearInterval(status);
    writeAtomically(resultFile!, JSON.stringify(c.stop()));
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** argv dispatch when run as a script. */
function main(argv: string[]): void {
  const [mode, ...a] = argv;
  if (mode === 'serve') return void serve(a[0]!, Number(a[1]));
  if (mode === 'client') return runClient(a);
  process.stderr.write(
    'usage: long-conns.js serve NAME PORT | client HOST:PORT CONNS INTERVAL_MS STATUS RESULT [RAMP_MS]\n',
  );
  process.exitCode = 2;
}

if (process.argv[1]?.endsWith('long-conns.js')) main(process.argv.slice(2));
