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

/** "serviceKey|destKey" of every real server of a config. */
function configKeys(cfg: Config): Set<string> {
  const keys = new Set<string>();
  for (const vs of cfg.virtual_server) for (const rs of vs.real_server) keys.add(`${vs.key}|${rs.key}`);
  return keys;
}

/** Entries for servers the last reload removed (removal = "drain") that are not yet tracked. */
function newRemovals(
  current: Set<string>,
  previous: Config,
  known: ReadonlyMap<string, DrainEntry>,
  conns: Map<string, DestSeen> | undefined,
  now: number,
): DrainEntry[] {
  const out: DrainEntry[] = [];
  for (const vs of previous.virtual_server) {
    for (const rs of vs.real_server) {
      const key = `${vs.key}|${rs.key}`;
      if (current.has(key) || known.has(key)) continue;
      if (conns && !conns.has(key)) continue; // already gone from the table: nothing to drain
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
 * Carries "removed" drains forward, starts new ones for the last reload, advances them, and puts
 * the still-draining dests (weight 0) into `services` — recreating a removed virtual server when
 * needed. Returns the serviceKeys that must stay owned because of these drains.
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
  if (!previous && prior.size === 0) return owned;
  const current = configKeys(cfg);
  const entries = [...prior.values()].filter((e) => e.why === 'removed' && !current.has(drainKey(e.service, e.dest)));
  if (previous && cfg.global.removal === 'drain')
    entries.push(...newRemovals(current, previous, prior, ctx.conns, ctx.now));
  const byKey = new Map(services.map((s) => [serviceKey(s.id), s]));
  for (const e0 of entries) {
    const key = drainKey(e0.service, e0.dest);
    if (e0.done && ctx.conns && !ctx.conns.has(key)) continue; // finished and gone: forget it
    const step = drainStep(e0, cfg.global.drain_timeout, ctx.now, ctx.conns);
    out.set(key, step.entry);
    ctx.explain.set(`${e0.vs}|${e0.rs}`, step.explain);
    if (step.wakeAt !== undefined) ctx.wake.push(step.wakeAt);
    const sk = serviceKey(e0.service);
    if (!byKey.has(sk) || owned.has(sk)) owned.add(sk);
    if (step.entry.done) continue;
    let svc = byKey.get(sk);
    if (!svc && e0.settings) (services.push((svc = { ...e0.settings, destinations: [] })), byKey.set(sk, svc));
    svc?.destinations.push({ ...e0.dest, weight: 0 });
  }
  return owned;
}
