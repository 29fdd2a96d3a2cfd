/**
 * All VRRP instances of one daemon with real I/O: interfaces resolved through HostNet, one raw
 * socket per instance, one frame sender per interface, link and address events fed to the
 * instances. Runs wherever it is created — in production inside the VRRP worker thread
 * (worker.ts), so its timers never queue behind the main thread's health checks or reconciles.
 */
import { isIP } from 'node:net';
import type { VipSyncHook } from '../sync/hook.js';
import { systemClock, type Clock } from '../util/clock.js';
import { ipBytes, ipText } from '../../native/ip.js';
import { encodeGarp, encodeUnsolicitedNa } from './frames.js';
import type { HostAddr, HostEvent, HostLink, HostNet, VipSpec } from './hostnet.js';
import { VrrpInstance, type InstanceIo, type InstanceStatus, type TransitionEvent } from './instance.js';
import { FrameSender, VrrpSocket, type Received, type SocketSpec } from './net.js';
import { decodeAdvert, type Advert, type Expectation } from './packet.js';
import { instanceFamily, type VrrpInstanceConfig } from './schema.js';

/** The error class of the VRRP layer; `code` is stable. */
export class VrrpError extends Error {
  constructor(
    readonly code: 'VRRP_NO_INTERFACE' | 'VRRP_NO_SOURCE' | 'VRRP_SOCKET',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VrrpError';
  }
}

/** Minimal sockets seam (real: net.ts). */
export interface Sockets {
  openAdvert(spec: SocketSpec): Pick<VrrpSocket, 'send' | 'onReceive' | 'close'>;
  openFrames(ifindex: number): Pick<FrameSender, 'send' | 'close'>;
}

const realSockets: Sockets = { openAdvert: (s) => VrrpSocket.open(s), openFrames: (i) => FrameSender.open(i) };

/** Options of a runtime. */
export interface RuntimeOptions {
  host: HostNet;
  onTransition: (ev: TransitionEvent) => void;
  /** Problems that do not stop the instance (a failed send, a VIP op that failed). */
  onWarning?: (msg: string, detail: Record<string, unknown>) => void;
  clock?: Clock;
  sockets?: Sockets;
}

interface Binding {
  inst: VrrpInstance;
  sock: Pick<VrrpSocket, 'send' | 'onReceive' | 'close'>;
  spec: SocketSpec;
  vips: VipSpec[];
  /** What received adverts are checked against (rebuilt when the config changes). */
  exp: Expectation;
  /** VIPs we removed whose RTM_DELADDR has not been seen yet (events arrive in kernel order). */
  expectDel: Set<string>;
}

/** Identity of an instance across reloads: VRID + family + interface + unicast source. */
export function instanceKey(c: VrrpInstanceConfig): string {
  return `${c.virtual_router_id}/${instanceFamily(c)}/${c.interface}/${c.unicast_src_ip ?? ''}`;
}

/** Canonical text of an address, as the codec writes the addresses it reads. */
const canonical = (a: string) => ipText(ipBytes(a));

/** What an instance expects of received adverts (keepalived's checks plus lvsd's, packet.ts). */
export function expectation(c: VrrpInstanceConfig, self: string): Expectation {
  return {
    family: instanceFamily(c),
    version: c.version,
    vrid: c.virtual_router_id,
    multicast: c.unicast_peers.length === 0,
    password: c.version === 2 ? c.authentication?.password : undefined,
    intervalCs: c.version === 2 ? Math.round(c.advert_interval / 10) : undefined,
    peers: c.unicast_peers.map(canonical),
    addresses: c.virtual_ipaddress.map((v) => canonical(v.address)),
    self: canonical(self),
  };
}

/** Runs a set of instances; see the module comment. */
export class VrrpRuntime {
  private readonly clock: Clock;
  private readonly sockets: Sockets;
  private bindings = new Map<string, Binding>();
  private frames = new Map<number, Pick<FrameSender, 'send' | 'close'>>();
  private links = new Map<string, HostLink>();
  private addrs: HostAddr[] = [];
  private unsubscribe: (() => void) | undefined;
  private vsDown = new Set<string>();
  /** Instances whose interface or source address does not exist yet: FAULT until the host has them. */
  private waiting = new Map<string, { cfg: VrrpInstanceConfig; reason: string; since: number }>();
  /** The sync daemons' side of VIP changes, when a [sync] section follows instances of this runtime. */
  sync: VipSyncHook | undefined;

  constructor(private readonly o: RuntimeOptions) {
    this.clock = o.clock ?? systemClock;
    this.sockets = o.sockets ?? realSockets;
  }

  /**
   * Resolves interfaces and addresses, opens sockets, starts every instance. An instance whose
   * interface or source address is missing stays in FAULT, with the reason in status, and starts when a
   * link or address event brings them; other problems (a socket that cannot open) reject with VrrpError.
   */
  async start(instances: VrrpInstanceConfig[]): Promise<void> {
    this.unsubscribe = this.o.host.subscribe((ev) => this.onHostEvent(ev));
    await this.refreshHost();
    for (const c of instances) this.addOrWait(c);
  }

  /** add(), or FAULT-and-wait when the host lacks the instance's interface or source address. */
  private addOrWait(c: VrrpInstanceConfig): void {
    const k = instanceKey(c);
    try {
      this.add(c);
      this.waiting.delete(k);
    } catch (e) {
      if (!(e instanceof VrrpError) || e.code === 'VRRP_SOCKET') throw e;
      const prev = this.waiting.get(k);
      const reason = `${e.message}; FAULT until it appears`;
      this.waiting.set(k, { cfg: c, reason, since: prev?.since ?? Date.now() });
      if (prev?.reason !== reason) this.o.onWarning?.(`${c.name}: ${reason}`, { instance: c.name });
    }
  }

  /** Retries every waiting instance against a fresh view of the host. */
  private retryWaiting(): void {
    if (this.waiting.size === 0) return;
    void this.refreshHost()
      .then(() => {
        for (const w of [...this.waiting.values()]) this.addOrWait(w.cfg);
      })
      .catch((e) =>
        this.o.onWarning?.('retrying VRRP instances waiting for their interface failed', { err: (e as Error).message }),
      );
  }

  private refreshing: Promise<void> = Promise.resolve();

  /** Re-reads links and addresses; serialised, so two refreshes never dump at once. */
  private refreshHost(): Promise<void> {
    const next = this.refreshing.catch(() => undefined).then(() => this.readHost());
    this.refreshing = next;
    return next;
  }

  private async readHost(): Promise<void> {
    const links = await this.o.host.links(); // sequential: two dumps at once on one socket → EBUSY
    const addrs = await this.o.host.addresses();
    this.links = new Map(links.map((l) => [l.name, l]));
    this.addrs = addrs;
  }

  private link(name: string): HostLink {
    const l = this.links.get(name);
    if (!l) throw new VrrpError('VRRP_NO_INTERFACE', `interface ${name} does not exist`);
    return l;
  }

  private primary(c: VrrpInstanceConfig, ifindex: number): string {
    if (c.unicast_src_ip) return c.unicast_src_ip;
    const fam = instanceFamily(c);
    const vips = new Set(c.virtual_ipaddress.map((v) => v.address));
    const mine = this.addrs.filter((a) => a.ifindex === ifindex && a.family === fam && !vips.has(a.address));
    const pick = fam === 6 ? mine.find((a) => a.address.startsWith('fe80:')) : mine[0];
    if (!pick)
      throw new VrrpError(
        'VRRP_NO_SOURCE',
        `${c.name}: interface ${c.interface} has no ${fam === 6 ? 'IPv6 link-local' : 'IPv4'} address to send adverts from (add one or set unicast_src_ip)`,
      );
    return pick.address;
  }

  private add(c: VrrpInstanceConfig): void {
    const l = this.link(c.interface);
    const spec: SocketSpec = {
      family: instanceFamily(c),
      ifname: l.name,
      ifindex: l.index,
      src: this.primary(c, l.index),
      peers: c.unicast_peers,
    };
    const vips = this.vipSpecs(c);
    const sock = this.openSocket(c, spec);
    const exp = expectation(c, spec.src);
    const b: Binding = { inst: undefined as unknown as VrrpInstance, sock, spec, vips, exp, expectDel: new Set() };
    b.inst = new VrrpInstance(c, {
      clock: this.clock,
      io: this.io(b),
      primaryIp: spec.src,
      onTransition: this.o.onTransition,
      onWarning: this.o.onWarning,
    });
    this.bindings.set(instanceKey(c), b);
    sock.onReceive((r) => this.onPacket(b, r));
    for (const n of [c.interface, ...c.track_interface.map((t) => t.name)])
      b.inst.setLink(n, this.links.get(n)?.up ?? false);
    for (const v of this.vsDown) b.inst.setVirtualServerDown(v, true);
    b.inst.start();
  }

  private openSocket(c: VrrpInstanceConfig, spec: SocketSpec) {
    try {
      return this.sockets.openAdvert(spec);
    } catch (e) {
      throw new VrrpError(
        'VRRP_SOCKET',
        `${c.name}: cannot open the VRRP socket on ${spec.ifname}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  private vipSpecs(c: VrrpInstanceConfig): VipSpec[] {
    return c.virtual_ipaddress.map((v) => ({
      ifindex: this.link(v.dev ?? c.interface).index,
      address: v.address,
      prefixlen: v.prefix,
      label: v.label,
    }));
  }

  private io(b: Binding): InstanceIo {
    const warn = (msg: string, e: unknown) =>
      this.o.onWarning?.(msg, { instance: b.inst.cfg.name, err: (e as Error).message });
    return {
      sendAdvert: (a: Advert) => {
        try {
          b.sock.send(a);
        } catch (e) {
          warn('advert not sent', e);
        }
      },
      addVips: async () => {
        await this.sync?.beforeAdd(b.inst.cfg.name);
        await Promise.all(
          b.vips.map((v) => this.o.host.addVip(v).catch((e) => warn(`adding VIP ${v.address} failed`, e))),
        );
      },
      removeVips: async () => {
        await this.sync?.beforeRemove(b.inst.cfg.name);
        for (const v of b.vips) b.expectDel.add(v.address);
        await Promise.all(
          b.vips.map((v) => this.o.host.delVip(v).catch((e) => warn(`removing VIP ${v.address} failed`, e))),
        );
        await this.sync?.afterRemove(b.inst.cfg.name);
      },
      announce: () => this.announce(b),
    };
  }

  private announce(b: Binding): void {
    for (const v of b.vips) {
      const l = [...this.links.values()].find((x) => x.index === v.ifindex);
      if (!l) continue;
      let f = this.frames.get(v.ifindex);
      if (!f) this.frames.set(v.ifindex, (f = this.sockets.openFrames(v.ifindex)));
      const frame = isIP(v.address) === 6 ? encodeUnsolicitedNa(l.mac, v.address) : encodeGarp(l.mac, v.address);
      const err = f.send(frame);
      if (err)
        this.o.onWarning?.('gratuitous ARP/NA not sent', {
          instance: b.inst.cfg.name,
          vip: v.address,
          err: err.message,
        });
    }
  }

  private onPacket(b: Binding, r: Received): void {
    if (!r.ok) return b.inst.reject(r.reason);
    const d = decodeAdvert(r.msg, r.meta, b.exp);
    if (!d.ok && d.reason === 'vrid' && this.ownsVrid(b, r.msg[1])) return;
    b.inst.receive(d, r.meta.src);
  }

  /** Another of our instances on the same interface and family handles this VRID. */
  private ownsVrid(b: Binding, vrid: number | undefined): boolean {
    for (const o of this.bindings.values())
      if (
        o !== b &&
        o.spec.ifindex === b.spec.ifindex &&
        o.spec.family === b.spec.family &&
        o.inst.cfg.virtual_router_id === vrid
      )
        return true;
    return false;
  }

  private onHostEvent(ev: HostEvent): void {
    if (ev.kind === 'link') {
      const old = this.links.get(ev.name);
      this.links.set(ev.name, { index: ev.index, name: ev.name, mac: old?.mac ?? '00:00:00:00:00:00', up: ev.up });
      for (const b of this.bindings.values()) b.inst.setLink(ev.name, ev.up);
      if (this.waiting.size > 0) this.retryWaiting();
      else if (!old?.mac) void this.refreshHost().catch(() => undefined);
      return;
    }
    if (ev.added && this.waiting.size > 0) this.retryWaiting();
    for (const b of this.bindings.values()) {
      if (!b.vips.some((v) => v.address === ev.address && v.ifindex === ev.ifindex)) continue;
      // an add seen after our removal means that removal produced no event (the VIP was absent)
      if (ev.added) b.expectDel.delete(ev.address);
      else if (!b.expectDel.delete(ev.address)) b.inst.vipDeleted(ev.address);
    }
  }

  /** A virtual server of this daemon went below (or back above) its quorum. */
  setVirtualServerDown(name: string, below: boolean): void {
    if (below) this.vsDown.add(name);
    else this.vsDown.delete(name);
    for (const b of this.bindings.values()) b.inst.setVirtualServerDown(name, below);
  }

  /** Feeds a track_script verdict to the named instance. */
  setScript(instance: string, index: number, ok: boolean): void {
    for (const b of this.bindings.values()) if (b.inst.cfg.name === instance) b.inst.setScript(index, ok);
  }

  /** Status of every instance, sorted by name. */
  status(): InstanceStatus[] {
    const waiting = [...this.waiting.values()].map(({ cfg, reason, since }): InstanceStatus => ({
      name: cfg.name,
      state: 'FAULT',
      priority: cfg.priority,
      effectivePriority: cfg.priority,
      since,
      reason,
      advertsSent: 0,
      advertsReceived: 0,
      rejected: {},
    }));
    return [...[...this.bindings.values()].map((b) => b.inst.status()), ...waiting].sort((x, y) =>
      x.name.localeCompare(y.name),
    );
  }

  /**
   * Applies a new instance list: removed instances stop gracefully, new ones start, kept ones
   * (same VRID, family, interface, unicast source) keep their state — no flap, no re-GARP.
   */
  async reload(instances: VrrpInstanceConfig[]): Promise<void> {
    await this.refreshHost();
    const next = new Map(instances.map((c) => [instanceKey(c), c]));
    const gone = [...this.bindings.entries()].filter(([k]) => !next.has(k));
    await Promise.all(gone.map(([k, b]) => this.drop(k, b)));
    for (const k of [...this.waiting.keys()]) if (!next.has(k)) this.waiting.delete(k);
    for (const [k, c] of next) {
      const b = this.bindings.get(k);
      if (!b) this.addOrWait(c);
      else if (JSON.stringify(b.inst.cfg) !== JSON.stringify(c)) await this.update(b, c);
    }
  }

  private async update(b: Binding, c: VrrpInstanceConfig): Promise<void> {
    const vips = this.vipSpecs(c);
    const key = (v: VipSpec) => `${v.ifindex}/${v.address}/${v.prefixlen}/${v.label ?? ''}`;
    const oldKeys = new Set(b.vips.map(key));
    const newKeys = new Set(vips.map(key));
    if (JSON.stringify(b.spec.peers) !== JSON.stringify(c.unicast_peers)) {
      b.sock.close();
      b.spec = { ...b.spec, peers: c.unicast_peers };
      b.sock = this.openSocket(c, b.spec);
      b.sock.onReceive((r) => this.onPacket(b, r));
    }
    if (b.inst.state.state === 'MASTER') {
      await Promise.all(
        b.vips.filter((v) => !newKeys.has(key(v))).map((v) => this.o.host.delVip(v).catch(() => undefined)),
      );
      await Promise.all(
        vips.filter((v) => !oldKeys.has(key(v))).map((v) => this.o.host.addVip(v).catch(() => undefined)),
      );
    }
    b.vips = vips;
    b.exp = expectation(c, b.spec.src);
    b.inst.reconfigure(c);
  }

  private async drop(k: string, b: Binding): Promise<void> {
    await b.inst.stop();
    b.sock.close();
    this.bindings.delete(k);
  }

  /** Stops every instance gracefully (priority-0 advert if MASTER, then VIPs removed), closes sockets. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.waiting.clear();
    await Promise.all([...this.bindings.entries()].map(([k, b]) => this.drop(k, b)));
    for (const f of this.frames.values()) f.close();
    this.frames.clear();
  }
}
