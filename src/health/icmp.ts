/**
 * icmp: echo request/reply (IPv4 and IPv6) over ONE shared socket, replies matched by id/seq.
 */
import { canonicalIp } from '../../native/ip.js';
import { type Checker, failure, type ProbeResult, type ProbeTarget } from './checker.js';
import { encodeEcho, parseIcmp } from './icmp-packet.js';
import { openNativeIcmp, type IcmpTransport, type IcmpTransportFactory } from './icmp-native.js';
import { icmpSchema, type IcmpSpec } from './schemas/icmp.js';

export { icmpSchema, type IcmpSpec };

function canon(a: string): string {
  return canonicalIp(a) ?? a;
}

interface Pending {
  address: string;
  resolve: (r: ProbeResult) => void;
  t0: number;
}

/** One shared socket per family; probes are matched by (id, seq, source address). */
export class Pinger {
  private readonly socks = new Map<4 | 6, { t: IcmpTransport; pending: Map<number, Pending>; seq: number }>();
  private readonly id = Math.floor(Math.random() * 0xffff);

  /** `open` makes the real sockets (native); tests pass a scripted one. */
  constructor(private readonly open: IcmpTransportFactory) {}

  /** Sends one echo request and resolves on the matching reply, an ICMP error, or abort. */
  ping(address: string, size: number, signal: AbortSignal): Promise<ProbeResult> {
    const family = address.includes(':') ? 6 : 4;
    let s;
    try {
      s = this.socket(family);
    } catch (e) {
      return Promise.resolve(failure((e as Error).message, e));
    }
    const seq = this.nextSeq(s);
    if (seq < 0) return Promise.resolve(failure('too many ICMP probes in flight', { code: 'ENOBUFS' }));
    return new Promise((resolve) => {
      const done = (r: ProbeResult): void => {
        s.pending.delete(seq);
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = (): void => done({ ok: false, detail: `ICMP probe of ${address} aborted` });
      s.pending.set(seq, { address: canon(address), resolve: done, t0: performance.now() });
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        s.t.send(encodeEcho(family, this.id, seq, size), address);
      } catch (e) {
        done(failure(`ping ${address}: ${(e as { code?: string }).code ?? (e as Error).message}`, e));
      }
    });
  }

  /** Closes the sockets; pending probes are resolved as failures. */
  close(): void {
    for (const s of this.socks.values()) {
      for (const p of s.pending.values()) p.resolve({ ok: false, detail: 'ICMP socket closed' });
      s.t.close();
    }
    this.socks.clear();
  }

  private socket(family: 4 | 6): { t: IcmpTransport; pending: Map<number, Pending>; seq: number } {
    let s = this.socks.get(family);
    if (s) return s;
    const t = this.open(family);
    const made = { t, pending: new Map<number, Pending>(), seq: 0 };
    t.onPacket((data, from) => this.receive(family, made, data, from));
    this.socks.set(family, made);
    return made;
  }

  private nextSeq(s: { pending: Map<number, Pending>; seq: number }): number {
    for (let i = 0; i < 0x10000; i++) {
      s.seq = (s.seq + 1) & 0xffff;
      if (!s.pending.has(s.seq)) return s.seq;
    }
    return -1;
  }

  private receive(
    family: 4 | 6,
    s: { t: IcmpTransport; pending: Map<number, Pending> },
    data: Buffer,
    from: string,
  ): void {
    const m = parseIcmp(family, data, s.t.mode === 'raw' && family === 4);
    if (!m || (s.t.mode === 'raw' && m.id !== this.id)) return;
    const p = s.pending.get(m.seq);
    if (!p) return;
    const ms = (performance.now() - p.t0).toFixed(1);
    if (m.kind === 'reply' && canon(from) === p.address)
      p.resolve({ ok: true, detail: `echo reply from ${from} in ${ms} ms` });
    else if (m.kind === 'error') p.resolve({ ok: false, detail: `ping ${p.address}: ${m.reason} (from ${from})` });
  }
}

/** Makes the icmp checker over a Pinger built with `open` (default: native raw/ping sockets). */
export function createIcmpChecker(open: IcmpTransportFactory = openNativeIcmp): Checker<IcmpSpec> & { close(): void } {
  let pinger: Pinger | undefined;
  return {
    kind: 'icmp',
    schema: icmpSchema,
    probe: (t: ProbeTarget, spec: IcmpSpec, signal: AbortSignal) =>
      (pinger ??= new Pinger(open)).ping(t.address, spec.size, signal),
    describeTimeout: (t) => `no echo reply from ${t.address}`,
    close: () => {
      pinger?.close();
      pinger = undefined;
    },
  };
}
