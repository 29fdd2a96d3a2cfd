/**
 * An in-memory IPVS table that fails like the kernel (net/netfilter/ipvs/ip_vs_ctl.c): adding an
 * existing service → EEXIST, a dest op on a missing service → ESRCH, an unknown scheduler or
 * persistence engine → ENOENT, deleting/editing a missing dest → ENOENT, weight < 0 or > INT32_MAX and
 * lower threshold > upper threshold → ERANGE, mixed address families without tun and a GUE tunnel
 * without port → EINVAL. Like the kernel it accepts a DR/TUN dest port that differs from the service
 * port. Errors are `NetlinkError`s with the errno name as `code`. With `kernelOrder` it also lists a
 * service's dests as the kernel does: the last added first (the kernel links a new dest at the head
 * of its list; src/plan/dest-order.ts), an edit keeping a dest's place; without it, in the order
 * they were added. Used by `lvsd --dataplane memory`,
 * `--plan` rehearsals, unit tests and benchmarks; counts every write, can simulate connections per
 * dest (for drain) and inject failures.
 */
import { ERRNO, errnoNumber } from '../../native/errno.js';
import { NetlinkError } from '../netlink/errors.js';
import {
  destKey,
  hostPort,
  serviceKey,
  zeroStats,
  type DestConns,
  type Destination,
  type IpvsTable,
  type Op,
  type OpResult,
  type Service,
  type ServiceId,
  type TableService,
} from '../ipvs/types.js';
import { SCHEDULERS as KERNEL_SCHEDULERS } from '../ipvs/constants.js';
import type { Dataplane } from './dataplane.js';

/** Scheduler modules the kernel has (a service naming another fails with ENOENT, like a missing module). */
const SCHEDULERS = new Set<string>(KERNEL_SCHEDULERS);
const INT32_MAX = 2 ** 31 - 1;
/** Services per piece of a read (see read()). */
const READ_PIECE = 1000;

interface Entry {
  service: Service;
  /** In the order they were added (the kernel's list read from its tail). */
  dests: Map<string, Destination>;
}

/** Decides whether an op fails by injection: return an errno name ('EPERM', 'ENOMEM', ...) to fail it. */
export type FailureInjector = (op: Op) => string | undefined;

/** A stateful fake of the kernel's IPVS table. */
export class MemoryDataplane implements Dataplane {
  /** Ops applied so far (each op is one netlink write in the kernel dataplane), failed ones included. */
  writes = 0;
  /** Calls to read(). */
  reads = 0;
  private table = new Map<string, Entry>();
  private conns = new Map<string, DestConns>();
  private injectors: FailureInjector[] = [];
  private closed = false;

  /**
   * Starts empty, or with `initial` loaded as if added by hand (not counted as writes; each service's
   * dests read back in the order given). Dests whose
   * address is in `opts.localAddresses` get forwarding "local", as the kernel does for host addresses.
   * With `opts.stats`, reads carry traffic statistics as the kernel's do (all zero: no traffic
   * passes a table in memory), so status and /metrics show the same series with either dataplane.
   */
  constructor(
    initial?: IpvsTable,
    private readonly opts: { localAddresses?: readonly string[]; stats?: boolean; kernelOrder?: boolean } = {},
  ) {
    for (const s of initial?.services ?? []) {
      const { destinations, stats: _s, ...service } = s;
      this.table.set(serviceKey(s.id), {
        service: clone(service),
        dests: new Map(this.listed(destinations).map((d) => [destKey(d), cleanDest(d)])),
      });
    }
  }

  /**
   * The table with per-dest connection counters: services in insertion order, dests as listed (see
   * above). Like the kernel's dump (one request per service), a large table is read in pieces, one
   * event-loop turn apart every READ_PIECE services, and is not one atomic picture: a write between
   * two pieces shows in the later ones only.
   */
  async read(): Promise<IpvsTable> {
    this.assertOpen();
    this.reads++;
    const services: TableService[] = [];
    let n = 0;
    for (const [sk, e] of this.table) {
      if (++n % READ_PIECE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      services.push(this.copyService(sk, e));
    }
    return { services };
  }

  /** Synchronous copy of the table (for tests and status). */
  snapshot(): IpvsTable {
    const services: TableService[] = [];
    for (const [sk, e] of this.table) services.push(this.copyService(sk, e));
    return { services };
  }

  private copyService(sk: string, e: Entry): TableService {
    const destinations = this.listed([...e.dests.values()]).map((d) => ({
      ...d,
      conns: { ...(this.conns.get(`${sk}|${destKey(d)}`) ?? ZERO) },
      ...(this.opts.stats ? { stats: zeroStats() } : {}),
    }));
    return {
      ...e.service,
      id: { ...e.service.id },
      destinations,
      ...(this.opts.stats ? { stats: zeroStats() } : {}),
    };
  }

  /** Applies ops in order; one result per op; a failed op does not stop the rest. */
  async apply(ops: readonly Op[]): Promise<OpResult[]> {
    this.assertOpen();
    return ops.map((op) => {
      this.writes++;
      try {
        const injected = this.injectors.map((f) => f(op)).find((c) => c !== undefined);
        if (injected !== undefined) throw new NetlinkError(errnoOf(injected), describeOp(op));
        this.applyOne(op);
        return { ok: true } as const;
      } catch (e) {
        return { ok: false, error: e as NetlinkError };
      }
    });
  }

  /** Adds a failure injector; returns a function that removes it. */
  inject(f: FailureInjector): () => void {
    this.injectors.push(f);
    return () => {
      this.injectors = this.injectors.filter((g) => g !== f);
    };
  }

  /** Sets the simulated connection counters of a dest (kept while the dest exists). */
  setConns(service: ServiceId, dest: Pick<Destination, 'address' | 'port'>, conns: Partial<DestConns>): void {
    const k = `${serviceKey(service)}|${destKey(dest)}`;
    this.conns.set(k, { ...ZERO, ...(this.conns.get(k) ?? {}), ...conns });
  }

  /** Further calls reject. */
  async close(): Promise<void> {
    this.closed = true;
  }

  /** Added order ⇄ listed order (its own inverse). */
  private listed<T>(dests: T[]): T[] {
    return this.opts.kernelOrder ? [...dests].reverse() : dests;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('memory dataplane is closed');
  }

  private applyOne(op: Op): void {
    const fail = (code: keyof typeof ERRNO): never => {
      throw new NetlinkError(ERRNO[code], describeOp(op));
    };
    switch (op.op) {
      case 'add-service':
        return this.addService(op.service, fail);
      case 'edit-service':
        return this.editService(op.service, fail);
      case 'del-service':
        return this.delService(op.id, fail);
      case 'add-dest':
        return this.addDest(op.service, op.dest, fail);
      case 'edit-dest':
        return this.editDest(op.service, op.dest, fail);
      case 'del-dest':
        return this.delDest(op.service, op.dest, fail);
      case 'flush':
        this.table.clear();
        this.conns.clear();
        return;
      case 'zero':
        if (op.service && !this.table.has(serviceKey(op.service))) fail('ESRCH');
        return;
    }
  }

  private checkService(s: Service, fail: Fail): void {
    if (!SCHEDULERS.has(s.scheduler)) fail('ENOENT');
    if (s.pe && s.pe !== 'sip') fail('ENOENT');
    if (s.id.af === 'inet6' && (s.netmask < 1 || s.netmask > 128)) fail('EINVAL');
  }

  private addService(s: Service, fail: Fail): void {
    this.checkService(s, fail);
    const k = serviceKey(s.id);
    if (this.table.has(k)) fail('EEXIST');
    this.table.set(k, { service: clone(s), dests: new Map() });
  }

  private editService(s: Service, fail: Fail): void {
    const e = this.table.get(serviceKey(s.id)) ?? fail('ESRCH');
    this.checkService(s, fail);
    e.service = clone(s);
  }

  private delService(id: ServiceId, fail: Fail): void {
    const k = serviceKey(id);
    const e = this.table.get(k) ?? fail('ESRCH');
    for (const d of e.dests.values()) this.conns.delete(`${k}|${destKey(d)}`);
    this.table.delete(k);
  }

  private checkDest(e: Entry, d: Destination, fail: Fail): void {
    if (d.weight < 0 || d.weight > INT32_MAX) fail('ERANGE');
    if (d.lowerThreshold > d.upperThreshold) fail('ERANGE');
    if (d.af !== e.service.id.af && d.forwarding !== 'tun') fail('EINVAL');
    if (d.forwarding === 'tun' && d.tunType === 'gue' && !d.tunPort) fail('EINVAL');
  }

  private addDest(id: ServiceId, d: Destination, fail: Fail): void {
    const e = this.table.get(serviceKey(id)) ?? fail('ESRCH');
    this.checkDest(e, d, fail);
    if (e.dests.has(destKey(d))) fail('EEXIST');
    e.dests.set(destKey(d), this.localize(cleanDest(d)));
  }

  private editDest(id: ServiceId, d: Destination, fail: Fail): void {
    const e = this.table.get(serviceKey(id)) ?? fail('ESRCH');
    this.checkDest(e, d, fail);
    if (!e.dests.has(destKey(d))) fail('ENOENT');
    e.dests.set(destKey(d), this.localize(cleanDest(d)));
  }

  private localize(d: Destination): Destination {
    return this.opts.localAddresses?.includes(d.address) ? { ...d, forwarding: 'local' } : d;
  }

  private delDest(id: ServiceId, d: Pick<Destination, 'address' | 'port'>, fail: Fail): void {
    const k = serviceKey(id);
    const e = this.table.get(k) ?? fail('ESRCH');
    if (!e.dests.delete(destKey(d))) fail('ENOENT');
    this.conns.delete(`${k}|${destKey(d)}`);
  }
}

type Fail = (code: keyof typeof ERRNO) => never;
const ZERO: DestConns = { active: 0, inactive: 0, persistent: 0 };

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** A flat copy of a dest without counters (every field is a primitive). */
function cleanDest(d: Destination): Destination {
  const { conns: _c, stats: _s, ...rest } = d;
  return rest;
}

/** errno of a name; unknown names become EIO. */
function errnoOf(name: string): number {
  return errnoNumber(name) ?? ERRNO.EIO;
}

/** Names an op like the kernel dataplane does: "IPVS_CMD_NEW_DEST TCP 10.0.0.1:80 10.0.0.2:8080". */
export function describeOp(op: Op): string {
  switch (op.op) {
    case 'add-service':
      return `IPVS_CMD_NEW_SERVICE ${serviceKey(op.service.id)}`;
    case 'edit-service':
      return `IPVS_CMD_SET_SERVICE ${serviceKey(op.service.id)}`;
    case 'del-service':
      return `IPVS_CMD_DEL_SERVICE ${serviceKey(op.id)}`;
    case 'add-dest':
      return `IPVS_CMD_NEW_DEST ${serviceKey(op.service)} ${hostPort(op.dest.address, op.dest.port)}`;
    case 'edit-dest':
      return `IPVS_CMD_SET_DEST ${serviceKey(op.service)} ${hostPort(op.dest.address, op.dest.port)}`;
    case 'del-dest':
      return `IPVS_CMD_DEL_DEST ${serviceKey(op.service)} ${hostPort(op.dest.address, op.dest.port)}`;
    case 'flush':
      return 'IPVS_CMD_FLUSH';
    case 'zero':
      return `IPVS_CMD_ZERO${op.service ? ' ' + serviceKey(op.service) : ''}`;
  }
}
