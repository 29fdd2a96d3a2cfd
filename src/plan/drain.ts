/**
 * Drains, pure: a draining server is kept at weight 0 until its active + inactive connections (read
 * from the dataplane) reach 0, or until drain_timeout after the drain began; then it is deleted.
 * Two causes: `lvsctl drain` ("lvsctl") and a real server or a whole virtual server dropped by a
 * reload with removal = "drain" ("removed"). Entries live in the planner memory, so they survive
 * reloads; a finished entry is forgotten once the table read from the dataplane no longer has it.
 */
import type { Config } from '../config/types.js';
import {
  destKey,
  serviceKey,
  type Destination,
  type IpvsTable,
  type Service,
  type ServiceId,
  type TableService,
} from '../ipvs/types.js';
import { formatDuration } from '../util/duration.js';
import { toDest, toService } from './kernel.js';

/** One draining destination. */
export interface DrainEntry {
  why: 'lvsctl' | 'removed';
  /** Clock time the drain began. */
  since: number;
  service: ServiceId;
  /** The dest (weight ignored: always 0 while draining). */
  dest: Destination;
  /** Service settings, for a removed whole virtual server that must stay while it drains. */
  settings?: Service;
  vs: string;
  rs: string;
  /** True once deleted (connections reached 0 or the deadline passed). */
  done: boolean;
}

/** While something drains, the planner asks to run again this often (a fresh table read shows the conns). */
export const DRAIN_POLL_MS = 2000;

/** What a table read from the dataplane says about one dest. */
export interface DestSeen {
  /** Active + inactive connections. */
  conns: number;
  weight: number;
}

/** "serviceKey|destKey" → connections and weight, from a table read from the dataplane. */
export function connsIndex(actual: IpvsTable): Map<string, DestSeen> {
  const m = new Map<string, DestSeen>();
  for (const s of actual.services) {
    const sk = serviceKey(s.id);
    for (const d of s.destinations)
      m.set(`${sk}|${destKey(d)}`, { conns: (d.conns?.active ?? 0) + (d.conns?.inactive ?? 0), weight: d.weight });
  }
  return m;
}

/** Drain key of a dest: "serviceKey|destKey". */
export function drainKey(service: ServiceId, dest: Pick<Destination, 'address' | 'port'>): string {
  return `${serviceKey(service)}|${destKey(dest)}`;
}

/**
 * Advances one drain: done when a table read shows the dest gone, or at weight 0 with 0 connections
 * (a read taken before the weight-0 write could miss connections made in between, so it does not
 * count), or at the deadline. Returns the updated entry, a reason for lvsctl status and when to look
 * again.
 */
export function drainStep(
  e: DrainEntry,
  timeout: number,
  now: number,
  seen: Map<string, DestSeen> | undefined,
): { entry: DrainEntry; explain: string; wakeAt?: number } {
  const cause = e.why === 'lvsctl' ? 'drained by lvsctl' : 'removed from config, draining';
  if (e.done) return { entry: e, explain: `${cause}: deleted` };
  const s = seen?.get(drainKey(e.service, e.dest));
  const deadline = e.since + timeout;
  if (seen && !s) return { entry: { ...e, done: true }, explain: `${cause}: gone from the table` };
  if (s && s.weight === 0 && s.conns === 0)
    return { entry: { ...e, done: true }, explain: `${cause}: no connections left, deleted` };
  if (now >= deadline)
    return {
      entry: { ...e, done: true },
      explain: `${cause}: drain_timeout (${formatDuration(timeout)}) reached with ${s?.conns ?? 'unknown'} connections, deleted`,
    };
  const left = !s || s.weight !== 0 ? 'connections not read yet at weight 0' : `${s.conns} connections left`;
  const wakeAt = Math.min(deadline, now + DRAIN_POLL_MS);
  return {
    entry: e,
    explain: `${cause}: weight 0, ${left}, deleted at the latest in ${formatDuration(Math.max(0, deadline - now))}`,
    wakeAt,
  };
}

/** Whether a config has the real server with this drain key ("serviceKey|destKey"), one virtual server looked at. */
class ServerIndex {
  private readonly byService: Map<string, Config['virtual_server'][number]>;
  private readonly keys = new Map<string, Set<string>>();

  constructor(readonly cfg: Config) {
    this.byService = new Map(cfg.virtual_server.map((vs) => [vs.key, vs]));
  }

  /** The virtual server of this serviceKey. */
  service(key: string): Config['virtual_server'][number] | undefined {
    return this.byService.get(key);
  }

  has(serviceKey: string, rsKey: string): boolean {
    const vs = this.byService.get(serviceKey);
    if (!vs) return false;
    let set = this.keys.get(serviceKey);
    if (!set) this.keys.set(serviceKey, (set = new Set(vs.real_server.map((rs) => rs.key))));
    return set.has(rsKey);
  }
}

/**
 * Entries for servers the last reload removed (removal = "drain") that are not yet tracked; only with
 * a table read (a server already gone from it has nothing to drain, and without a read that cannot be
 * told). A virtual server whose config object did not change removed nothing and is not looked into.
 */
function newRemovals(
  current: ServerIndex,
  previous: Config,
  known: ReadonlyMap<string, DrainEntry>,
  conns: Map<string, DestSeen>,
  now: number,
): DrainEntry[] {
  const out: DrainEntry[] = [];
  for (const vs of previous.virtual_server) {
    if (current.service(vs.key) === vs) continue;
    for (const rs of vs.real_server) {
      const key = `${vs.key}|${rs.key}`;
      if (current.has(vs.key, rs.key) || known.has(key)) continue;
      if (!conns.has(key)) continue; // already gone from the table: nothing to drain
      out.push({
        why: 'removed',
        since: now,
        service: vs.id,
        dest: toDest(vs, rs, 0),
        settings: toService(vs),
        vs: vs.name,
        rs: rs.key,
        done: false,
      });
    }
  }
  return out;
}

/**
 * Carries "removed" drains forward, starts new ones for the last reload (when `ctx.conns` holds a
 * table read), advances them, and puts the still-draining dests (weight 0) into `services` —
 * recreating a removed virtual server when needed. A service given in `services` is replaced by a
 * copy when a dest is added to it, never changed. Returns the serviceKeys that must stay owned
 * because of these drains.
 */
export function planRemovals(
  cfg: Config,
  previous: Config | undefined,
  prior: ReadonlyMap<string, DrainEntry>,
  out: Map<string, DrainEntry>,
  services: TableService[],
  ctx: { now: number; conns?: Map<string, DestSeen>; explain: Map<string, string>; wake: number[] },
): Set<string> {
  const owned = new Set<string>();
  const removed = [...prior.values()].filter((e) => e.why === 'removed');
  if (removed.length === 0 && !(previous && ctx.conns)) return owned;
  const current = new ServerIndex(cfg);
  const entries = removed.filter((e) => !current.has(serviceKey(e.service), destKey(e.dest)));
  if (previous && ctx.conns && cfg.global.removal === 'drain')
    entries.push(...newRemovals(current, previous, prior, ctx.conns, ctx.now));
  if (entries.length === 0) return owned;
  const at = new Map(services.map((s, i) => [serviceKey(s.id), i]));
  const added = new Map<number, Destination[]>();
  for (const e0 of entries) {
    const key = drainKey(e0.service, e0.dest);
    if (e0.done && ctx.conns && !ctx.conns.has(key)) continue; // finished and gone: forget it
    const step = drainStep(e0, cfg.global.drain_timeout, ctx.now, ctx.conns);
    out.set(key, step.entry);
    ctx.explain.set(`${e0.vs}|${e0.rs}`, step.explain);
    if (step.wakeAt !== undefined) ctx.wake.push(step.wakeAt);
    const sk = serviceKey(e0.service);
    if (!at.has(sk) || owned.has(sk)) owned.add(sk);
    if (step.entry.done) continue;
    let i = at.get(sk);
    if (i === undefined && e0.settings) {
      i = services.push({ ...e0.settings, destinations: [] }) - 1;
      at.set(sk, i);
    }
    if (i === undefined) continue;
    let list = added.get(i);
    if (!list) added.set(i, (list = []));
    list.push({ ...e0.dest, weight: 0 });
  }
  for (const [i, list] of added)
    services[i] = { ...services[i]!, destinations: [...services[i]!.destinations, ...list] };
  return owned;
}
