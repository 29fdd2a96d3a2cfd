/**
 * tcp: connect to the target; optionally send bytes and expect a reply matching a regex or bytes.
 * The socket is closed with a RST (SO_LINGER 0) so thousands of probes per second leave no TIME_WAIT.
 * Connections go through native/tcp-connect.ts (raw non-blocking sockets on one shared epoll set):
 * a Node net.Socket per probe cost about twice the CPU and most of the garbage at 10,000 probes/s
 * (see bench/results/health.md).
 */
import {
  type TcpConnHandler,
  TcpConnector,
  tcpEndpoints,
  type TcpEndpoints,
  TcpOpenError,
} from '../../native/tcp-connect.js';
import { type Checker, describeError, endpoint, failure, type ProbeResult, type ProbeTarget } from './checker.js';
import { replyMatcher, settleOnce } from './probe-io.js';
import { tcpSchema, type TcpSpec } from './schemas/tcp.js';

export { tcpSchema, type TcpSpec };

/** Bytes of reply kept for matching. */
const MAX_REPLY = 64 * 1024;

/** What a probe of one target needs, computed once per (target, spec): addresses as bytes, words, payload. */
interface Plan {
  spec: TcpSpec;
  ep: TcpEndpoints;
  name: string;
  connectedOk: ProbeResult;
  replyOk: ProbeResult;
  payload: Buffer | undefined;
  match: ((b: Buffer) => boolean) | undefined;
}

function payload(spec: TcpSpec): Buffer | undefined {
  if (spec.send !== undefined) return Buffer.from(spec.send, 'utf8');
  if (spec.send_hex !== undefined) return Buffer.from(spec.send_hex, 'hex');
  return undefined;
}

function makePlan(target: ProbeTarget, spec: TcpSpec): Plan {
  const name = endpoint(target.address, target.port);
  const ep = tcpEndpoints(target.address, target.port, target.bindto);
  return {
    spec,
    ep,
    name,
    connectedOk: { ok: true, detail: `connected to ${name}` },
    replyOk: { ok: true, detail: `expected reply from ${name}` },
    payload: payload(spec),
    match: replyMatcher(spec),
  };
}

/** One probe in flight: receives the connection's events and settles once. */
class TcpProbe implements TcpConnHandler {
  id = -1;
  private isConnected = false;
  private reply: Buffer | undefined;
  private settled = false;

  constructor(
    private readonly conn: TcpConnector,
    private readonly plan: Plan,
    private readonly done: (r: ProbeResult) => void,
  ) {}

  connected(): void {
    this.isConnected = true;
    if (this.plan.payload) this.conn.send(this.id, this.plan.payload);
    if (!this.plan.match) this.finish(this.plan.connectedOk);
  }

  data(bytes: Buffer): void {
    const prev = this.reply;
    this.reply = (prev ? Buffer.concat([prev, bytes]) : Buffer.from(bytes)).subarray(0, MAX_REPLY);
    if (this.plan.match!(this.reply)) this.finish(this.plan.replyOk);
    else if (this.reply.length >= MAX_REPLY)
      this.finish({ ok: false, detail: `no expected reply from ${this.plan.name} in the first ${MAX_REPLY} bytes` });
  }

  end(): void {
    this.finish({
      ok: false,
      detail: `${this.plan.name} closed the connection before the expected reply (got ${this.reply?.length ?? 0} bytes)`,
    });
  }

  failed(syscall: string, code: string): void {
    this.finish(failure(this.isConnected ? `${this.plan.name}: ${code}` : `${syscall} ${code}`, { code }));
  }

  /** Closes the connection (RST once connected) without reporting; idempotent. */
  stop(): void {
    this.settled = true;
    this.conn.close(this.id, true);
  }

  private finish(r: ProbeResult): void {
    if (this.settled) return;
    this.stop();
    this.done(r);
  }
}

/**
 * The tcp checker with its own connector (one epoll set), opened at the first probe; `idleSockets`:
 * sockets its connect-only probes reuse (TcpConnectorOptions; 0: a socket per probe).
 */
export function createTcpChecker(idleSockets = 0): Checker<TcpSpec> {
  let conn: TcpConnector | undefined;
  const plans = new WeakMap<ProbeTarget, Plan>();
  const planFor = (target: ProbeTarget, spec: TcpSpec): Plan => {
    let plan = plans.get(target);
    if (plan?.spec !== spec) plans.set(target, (plan = makePlan(target, spec)));
    return plan;
  };
  const start = (target: ProbeTarget, spec: TcpSpec, done: (r: ProbeResult) => void): (() => void) => {
    let plan: Plan;
    try {
      plan = planFor(target, spec);
      conn ??= new TcpConnector({ idleSockets });
    } catch (e) {
      done(failure(describeError(`tcp probe of ${endpoint(target.address, target.port)}`, e), e));
      return () => {};
    }
    const probe = new TcpProbe(conn, plan, done);
    try {
      probe.id = conn.open(plan.ep, probe, plan.match !== undefined);
    } catch (e) {
      const err = e as TcpOpenError;
      done(failure(err instanceof TcpOpenError ? openFailure(err, target) : describeError('connect', e), e));
      return () => {};
    }
    return () => probe.stop();
  };
  return {
    kind: 'tcp',
    schema: tcpSchema,
    start,
    probe: (target, spec, signal) =>
      new Promise((resolve) => {
        let stop: (() => void) | undefined;
        const finish = settleOnce(
          signal,
          `probe of ${endpoint(target.address, target.port)} aborted`,
          () => stop?.(),
          resolve,
        );
        stop = start(target, spec, finish);
      }),
    describeTimeout: (t, spec) =>
      spec.expect !== undefined || spec.expect_hex !== undefined
        ? `no expected reply from ${endpoint(t.address, t.port)}`
        : `no TCP connection to ${endpoint(t.address, t.port)}`,
    close: () => {
      conn?.shutdown();
      conn = undefined;
    },
  };
}

/** "bind 192.0.2.1 EADDRNOTAVAIL" for a source address the host lacks; "connect ENETUNREACH" and so on otherwise. */
function openFailure(e: TcpOpenError, target: ProbeTarget): string {
  return e.syscall === 'bind' ? `bind ${target.bindto} ${e.code}` : `${e.syscall} ${e.code}`;
}
