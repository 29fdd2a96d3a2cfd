/**
 * One VRRP instance: drives the pure machine with a Clock and executes its actions through an
 * `InstanceIo` (real sockets and rtnetlink in production, a recording fake in unit tests).
 * Owns: the single machine timer, the gratuitous-ARP/NA schedule (burst, second burst after
 * garp_master_delay, optional refresh), counters, and the effective priority from tracking.
 */
import type { Clock } from '../util/clock.js';
import {
  initialState,
  step,
  type MachineConfig,
  type StateName,
  type VrrpAction,
  type VrrpEvent,
  type VrrpState,
} from './machine.js';
import type { Advert, DecodeResult } from './packet.js';
import { RejectLog } from './reject-log.js';
import type { VrrpInstanceConfig } from './schema.js';
import { effectivePriority, type TrackState } from './track.js';

/** Side effects an instance needs; every method must not block and must not throw. */
export interface InstanceIo {
  /** Sends one advert (to the group, or once per unicast peer). */
  sendAdvert(advert: Advert): void;
  /** Adds the VIPs (idempotent: an existing address is not an error). */
  addVips(): Promise<void>;
  /** Removes the VIPs (idempotent: a missing address is not an error). */
  removeVips(): Promise<void>;
  /** One round of gratuitous ARP / unsolicited NA for every VIP. */
  announce(): void;
}

/** A state change, as reported to the service (logs, metrics, notify hooks, lvsctl). */
export interface TransitionEvent {
  name: string;
  from: StateName;
  to: StateName;
  reason: string;
  /** Wall-clock time (ms since the epoch). */
  at: number;
}

/** Snapshot for `status()`. */
export interface InstanceStatus {
  name: string;
  state: StateName;
  priority: number;
  effectivePriority: number;
  masterIp?: string;
  since: number;
  reason: string;
  advertsSent: number;
  advertsReceived: number;
  /** Packets dropped by the codec or ignored by the state machine, by reason. */
  rejected: Record<string, number>;
  /** In BACKUP: a lower-priority master is not preempted before this time (wall ms; preempt_delay or sync.startup_delay). */
  preemptHeldUntil?: number;
}

/** Dependencies of an instance. */
export interface InstanceDeps {
  clock: Clock;
  io: InstanceIo;
  /** Our source address (tie-break; unicast_src_ip or the interface's primary address). */
  primaryIp: string;
  onTransition: (ev: TransitionEvent) => void;
  /** Dropped adverts, rate-limited per reason (RejectLog): the first, then one a minute with a count. */
  onWarning?: (msg: string, detail: Record<string, unknown>) => void;
  /** Wall clock for `since`/`at`; default Date.now. */
  wallNow?: () => number;
}

/** Maps a validated config to the machine's view of it. */
export function machineConfig(cfg: VrrpInstanceConfig, primaryIp: string): MachineConfig {
  return {
    version: cfg.version,
    intervalCs: Math.round(cfg.advert_interval / 10),
    priority: cfg.priority,
    preempt: cfg.preempt,
    preemptDelayMs: cfg.preempt_delay,
    primaryIp,
  };
}

/** A running VRRP instance. */
export class VrrpInstance {
  cfg: VrrpInstanceConfig;
  private mc: MachineConfig;
  private s: VrrpState;
  private cancelTimer: (() => void) | undefined;
  private cancelGarp: Array<() => void> = [];
  private track: { links: Map<string, boolean>; scripts: Map<number, boolean>; vsDown: Set<string> };
  private sinceWall: number;
  private sent = 0;
  private received = 0;
  private readonly rejected: Record<string, number> = {};
  private readonly rejectLog = new RejectLog();
  private vipOps: Promise<void> = Promise.resolve();

  constructor(
    cfg: VrrpInstanceConfig,
    private readonly d: InstanceDeps,
  ) {
    this.cfg = cfg;
    this.mc = machineConfig(cfg, d.primaryIp);
    this.s = initialState(this.mc, d.clock.now());
    this.track = { links: new Map(), scripts: new Map(), vsDown: new Set() };
    this.sinceWall = this.wall();
    const eff = effectivePriority(cfg, this.track);
    this.s = { ...this.s, priority: eff.priority, fault: eff.fault };
  }

  private wall(): number {
    return (this.d.wallNow ?? Date.now)();
  }

  /** Current machine state (a copy-on-write value; do not mutate). */
  get state(): VrrpState {
    return this.s;
  }

  /** Enters BACKUP/MASTER/FAULT per the machine's startup rules. */
  start(): void {
    this.feed({ type: 'startup', now: this.d.clock.now() });
  }

  /** A decoded packet (or its rejection) from the socket; rejections are counted and logged (rate-limited). */
  receive(r: DecodeResult, src: string): void {
    if (!r.ok) return this.reject(r.reason, r.detail, src);
    // counted before the step: a transition it causes reports status (with this advert) at once
    this.received++;
    const actions = this.feed({ type: 'advert', now: this.d.clock.now(), advert: r.advert, src });
    if (actions.some((a) => a.type === 'ignore')) this.received--; // counted under its reason instead
  }

  /** Counts a dropped packet (also one dropped before decoding, e.g. a malformed IP header). */
  reject(reason: string, detail?: string, src?: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
    const suppressed = this.rejectLog.hit(reason, this.d.clock.now());
    if (suppressed === undefined) return;
    this.d.onWarning?.(`VRRP ${this.cfg.name}: advert dropped (${reason})`, {
      instance: this.cfg.name,
      reason,
      detail,
      src,
      suppressed,
    });
  }

  /** Link state of an interface this instance may track (its own interface included). */
  setLink(name: string, up: boolean): void {
    if (this.track.links.get(name) === up) return;
    this.track.links.set(name, up);
    this.retrack();
  }

  /** A track_script's current verdict (index into cfg.track_script). */
  setScript(index: number, ok: boolean): void {
    if (this.track.scripts.get(index) === ok) return;
    this.track.scripts.set(index, ok);
    this.retrack();
  }

  /** A virtual server of this daemon went below (true) or back to (false) its quorum. */
  setVirtualServerDown(name: string, below: boolean): void {
    if (this.track.vsDown.has(name) === below) return;
    if (below) this.track.vsDown.add(name);
    else this.track.vsDown.delete(name);
    this.retrack();
  }

  private retrack(): void {
    const eff = effectivePriority(this.cfg, this.track as TrackState);
    const now = this.d.clock.now();
    if (eff.priority !== this.s.priority) this.feed({ type: 'priority', now, priority: eff.priority });
    if (eff.fault !== this.s.fault) this.feed({ type: 'fault', now, fault: eff.fault });
  }

  /**
   * Applies a changed config to a kept instance (same VRID, family, interface, source) without a
   * state change: later adverts carry the new priority/interval/VIPs; tracking is re-evaluated.
   * The caller adds/removes VIPs that changed while MASTER.
   */
  reconfigure(cfg: VrrpInstanceConfig): void {
    this.cfg = cfg;
    this.mc = machineConfig(cfg, this.d.primaryIp);
    this.retrack();
  }

  /** Someone else deleted one of our VIPs (seen through rtnetlink). */
  vipDeleted(address: string): void {
    this.feed({ type: 'vipDeleted', now: this.d.clock.now(), address });
  }

  /** Graceful stop: a priority-0 advert if MASTER, then the VIPs go; resolves when they are gone. */
  async stop(): Promise<void> {
    this.feed({ type: 'shutdown', now: this.d.clock.now() });
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.vipOps;
  }

  /** Counters and state for `lvsctl status` and metrics. */
  status(): InstanceStatus {
    const now = this.d.clock.now();
    const held = this.s.state === 'BACKUP' && this.s.preemptAt !== undefined && this.s.preemptAt > now;
    return {
      ...(held ? { preemptHeldUntil: Math.round(this.wall() + this.s.preemptAt! - now) } : {}),
      name: this.cfg.name,
      state: this.s.state,
      priority: this.cfg.priority,
      effectivePriority: this.s.priority,
      masterIp: this.s.state === 'MASTER' || this.s.state === 'BACKUP' ? this.s.masterIp : undefined,
      since: this.sinceWall,
      reason: this.s.reason,
      advertsSent: this.sent,
      advertsReceived: this.received,
      rejected: { ...this.rejected },
    };
  }

  private feed(e: VrrpEvent): VrrpAction[] {
    const r = step(this.mc, this.s, e);
    this.s = r.state;
    for (const a of r.actions) this.run(a);
    this.arm();
    return r.actions;
  }

  private run(a: VrrpAction): void {
    switch (a.type) {
      case 'ignore':
        return this.reject(a.reason, a.detail);
      case 'send':
        return this.send(a.priority);
      case 'addVips':
        this.vipOps = this.vipOps.then(() => this.d.io.addVips());
        return;
      case 'removeVips':
        this.stopAnnouncing();
        this.vipOps = this.vipOps.then(() => this.d.io.removeVips());
        return;
      case 'announce':
        return this.startAnnouncing();
      case 'transition':
        this.sinceWall = this.wall();
        if (a.to !== 'MASTER') this.stopAnnouncing();
        this.d.onTransition({ name: this.cfg.name, from: a.from, to: a.to, reason: a.reason, at: this.sinceWall });
    }
  }

  private send(priority: number): void {
    const c = this.cfg;
    const advert: Advert = {
      version: c.version,
      vrid: c.virtual_router_id,
      priority,
      intervalCs: this.mc.intervalCs,
      addresses: c.virtual_ipaddress.map((v) => v.address),
    };
    if (c.version === 2 && c.authentication) advert.password = c.authentication.password;
    this.d.io.sendAdvert(advert);
    this.sent++;
  }

  private arm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const due = this.s.deadline;
    if (due === undefined) return;
    this.cancelTimer = this.d.clock.setTimeout(
      () => {
        this.cancelTimer = undefined;
        this.feed({ type: 'timer', now: Math.max(this.d.clock.now(), due) });
      },
      Math.max(0, due - this.d.clock.now()),
    );
  }

  /** Burst now (after the VIPs are in), a second burst after garp_master_delay, then the refresh. */
  private startAnnouncing(): void {
    this.stopAnnouncing();
    const c = this.cfg;
    const burst = (after: number) => {
      for (let i = 0; i < c.garp_master_repeat; i++)
        this.later(after + i * c.garp_interval, () => this.d.io.announce());
    };
    void this.vipOps.then(() => {
      if (this.s.state !== 'MASTER') return;
      burst(0);
      if (c.garp_master_delay > 0) burst(c.garp_master_delay);
      if (c.garp_master_refresh) this.refresh(c.garp_master_refresh);
    });
  }

  private refresh(every: number): void {
    this.later(every, () => {
      this.d.io.announce();
      this.refresh(every);
    });
  }

  private later(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const cancel = this.d.clock.setTimeout(() => {
      this.cancelGarp = this.cancelGarp.filter((c) => c !== cancel);
      fn();
    }, ms);
    this.cancelGarp.push(cancel);
  }

  private stopAnnouncing(): void {
    for (const c of this.cancelGarp) c();
    this.cancelGarp = [];
  }
}
