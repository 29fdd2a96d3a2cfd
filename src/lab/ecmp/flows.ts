/**
 * The ECMP lab's client: many long-lived TCP connections through the VIP, each sending a numbered
 * line every `periodMs` and checking the answer ("BACKEND N"). A connection "continues" when every
 * message got its answer, in order, from the backend that answered the first, without a reset.
 *
 * Usage (inside the client namespace): node dist/src/lab/ecmp/flows.js HOST PORT
 * stdin commands, one per line: `open N PERIOD_MS` (open N connections), `mark` (start a new
 * observation window: counts since then), `report` (print a FlowReport line), `close` (end and exit).
 * stdout: one JSON line per `report`.
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** One connection's record. */
export interface FlowState {
  /** The backend that answered the first message; undefined until then. */
  backend?: string;
  sent: number;
  answered: number;
  /** Why it ended or went wrong: 'ECONNRESET', 'closed', 'moved from b1 to b2', 'out of order'... */
  broken?: string;
  lastAnswerAt: number;
}

/** What `report` prints. */
export interface FlowReport {
  opened: number;
  /** Connections that have had their first answer. */
  established: number;
  /** Established and not broken. */
  alive: number;
  /** Alive connections answered since the last `mark` (at least one answer after it). */
  answeredSinceMark: number;
  /** Broken connections by reason ("moved …" collapsed into "moved"). */
  broken: Record<string, number>;
  /** Connections broken since the last `mark`. */
  brokenSinceMark: number;
  /** Alive connections by backend. */
  byBackend: Record<string, number>;
  /** The longest time an alive connection has waited for its current answer, in ms. */
  maxWaitMs: number;
}

/** Checks one answer line against the connection's record; returns the new broken reason, if any. */
export function checkAnswer(f: FlowState, line: string): string | undefined {
  const [backend, n] = line.split(' ');
  if (Number(n) !== f.answered + 1) return `out of order: got ${n}, expected ${f.answered + 1}`;
  if (f.backend !== undefined && backend !== f.backend) return `moved from ${f.backend} to ${backend}`;
  return undefined;
}

class Flows {
  readonly flows: Array<{ state: FlowState; sock: Socket; brokenAt?: number }> = [];
  private markAt = Date.now();

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  open(n: number, periodMs: number): void {
    for (let i = 0; i < n; i++) this.openOne(periodMs);
  }

  private openOne(periodMs: number): void {
    const state: FlowState = { sent: 0, answered: 0, lastAnswerAt: Date.now() };
    const sock = connect({ host: this.host, port: this.port });
    const entry: { state: FlowState; sock: Socket; brokenAt?: number } = { state, sock };
    this.flows.push(entry);
    const fail = (why: string): void => {
      if (state.broken) return;
      state.broken = why;
      entry.brokenAt = Date.now();
      sock.destroy();
    };
    const send = (): void => {
      if (state.broken) return;
      state.sent++;
      sock.write(`${state.sent}\n`);
    };
    sock.setNoDelay(true);
    sock.setEncoding('utf8');
    sock.on('connect', send);
    let buf = '';
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const bad = checkAnswer(state, line);
        if (bad) return fail(bad);
        state.backend ??= line.split(' ')[0];
        state.answered++;
        state.lastAnswerAt = Date.now();
        setTimeout(send, periodMs);
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    sock.on('close', () => fail('closed'));
  }

  mark(): void {
    this.markAt = Date.now();
  }

  report(): FlowReport {
    const now = Date.now();
    const r: FlowReport = {
      opened: this.flows.length,
      established: 0,
      alive: 0,
      answeredSinceMark: 0,
      broken: {},
      brokenSinceMark: 0,
      byBackend: {},
      maxWaitMs: 0,
    };
    for (const { state: f, brokenAt } of this.flows) {
      if (f.backend !== undefined) r.established++;
      if (f.broken) {
        const key = f.broken.startsWith('moved') ? 'moved' : f.broken;
        r.broken[key] = (r.broken[key] ?? 0) + 1;
        if ((brokenAt ?? 0) >= this.markAt) r.brokenSinceMark++;
        continue;
      }
      if (f.backend === undefined) continue;
      r.alive++;
      if (f.lastAnswerAt >= this.markAt) r.answeredSinceMark++;
      r.byBackend[f.backend] = (r.byBackend[f.backend] ?? 0) + 1;
      if (f.sent > f.answered) r.maxWaitMs = Math.max(r.maxWaitMs, now - f.lastAnswerAt);
    }
    return r;
  }

  close(): void {
    for (const { sock } of this.flows) sock.destroy();
  }
}

function main(host: string, port: number): void {
  const flows = new Flows(host, port);
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [cmd, a, b] = line.trim().split(/\s+/);
    if (cmd === 'open') flows.open(Number(a), Number(b ?? 500));
    else if (cmd === 'mark') flows.mark();
    else if (cmd === 'report') process.stdout.write(JSON.stringify(flows.report()) + '\n');
    else if (cmd === 'close') {
      flows.close();
      process.exit(0);
    }
  });
}

if (process.argv[1]?.endsWith('/ecmp/flows.js')) main(process.argv[2] ?? '127.0.0.1', Number(process.argv[3] ?? 80));
