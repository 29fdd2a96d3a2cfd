/**
 * THE PURE PLANNER: (config, health, overrides, drains, time, prior memory) → the desired IPVS table,
 * the next memory, when to be called again, and a reason for every real server's weight.
 *
 * Behaviour, per real server ("vs|rs" id, rs = destKey):
 *  - health down: on_failure "weight0" keeps it at weight 0, "remove" leaves it out;
 *  - slow start: a server that came up at `upSince` ramps from 1 to its weight over `slow_start` in
 *    steps of max(1s, slow_start/10): weight × k/n at step k of n; `nextWakeAt` is the next step;
 *  - quorum: live weight (target weights of up, undrained servers) below quorum − hysteresis switches
 *    the virtual server to its sorry server (real servers kept at weight 0 so no connection is cut);
 *    it switches back at quorum + hysteresis;
 *  - operator state (admin.ts, `lvsctl state`): drain = weight 0, kept until the operator sets ready;
 *    maint = removed, or weight 0 with `maintenance = "weight0"`; a weight override replaces the
 *    configured weight; a return to ready goes through slow start like a recovery;
 *  - removal = "drain" of a real server or a whole virtual server dropped by reload: weight 0, then
 *    deleted when a table read (`actual`) shows it at weight 0 with 0 active + inactive
 *    connections, or at drain_timeout. Drains survive reloads (they live in the memory).
 * No I/O, no clock: `now` is an input. The same input always gives the same output.
 *
 * Planning again only what changed: given `changed`, a virtual server whose config object is the same
 * as in the plan that made `memory`, whose name is not in `changed`, and whose last plan did not
 * depend on time (no slow-start step) keeps that plan's service object, quorum state, live weight and
 * reasons. Without `changed` every virtual server is planned, which is the reference:
 * test/unit/plan/properties.test.ts holds the two to the same plan.
 */
import type { Config, VirtualServerConfig } from '../config/types.js';
import type { Destination, IpvsTable, TableService } from '../ipvs/types.js';
import { formatDuration } from '../util/duration.js';
import { connsIndex, planRemovals, type DestSeen, type DrainEntry } from './drain.js';
import { Explanations } from './explanations.js';
import { sorryDest, toDest, toService } from './kernel.js';
import { effectiveAdmin, type AdminLookup, type EffectiveAdmin } from './admin.js';

/** Health of one real server as the planner sees it. */
export interface HealthView {
  up: boolean;
  /** Dynamic weight reported by the check (script "dynamic" mode); replaces the configured weight. */
  weight?: number;
  /** Time of the last transition to up; undefined when up since start (no slow start). */
  upSince?: number;
  /** The check's last reason ("HTTP 503 from 10.0.0.2:8080/healthz"), shown in the explanation. */
  reason?: string;
}

/** Everything one planner run depends on. */
export interface PlannerInput {
  config: Config;
  /** The config before the last reload: its removed servers/services drain when removal = "drain". */
  previous?: Config;
  /** Health by id "vs|rs"; undefined = no verdict yet (the check's `initial` state decides). */
  health: (id: string) => HealthView | undefined;
  /** Operator overrides (lvsctl state / weight); NO_ADMIN for none. */
  admin: AdminLookup;
  /** Clock time (ms, same clock as upSince). */
  now: number;
  /** The table last read from the dataplane, for connection counts of draining servers. */
  actual?: IpvsTable;
  /**
   * Names of the virtual servers whose health or operator overrides (of the virtual server or of one
   * of its real servers) changed since the plan that made `memory` (undefined: plan every virtual
   * server again). Must name every one that changed.
   */
  changed?: ReadonlySet<string>;
}

/** State carried from one run to the next. Treat as opaque; start with `emptyMemory()`. */
export interface PlannerMemory {
  belowQuorum: ReadonlyMap<string, boolean>;
  /** Drains by "serviceKey|destKey". */
  drains: ReadonlyMap<string, DrainEntry>;
  /** Each virtual server's last plan, by name (what `changed` lets a run keep). */
  planned?: ReadonlyMap<string, PlannedService>;
}

/** One virtual server's plan, as a later run may keep it. */
export interface PlannedService {
  /** The config object it was planned from. */
  vs: VirtualServerConfig;
  service: TableService;
  below: boolean;
  live: number;
  explain: ReadonlyMap<string, string>;
  /** Nothing in it depends on time: the same inputs give it again. */
  settled: boolean;
}

/** Output of one run. */
export interface Plan {
  table: IpvsTable;
  memory: PlannerMemory;
  /** When the planner wants to run again (slow-start step, drain deadline); undefined = no need. */
  nextWakeAt?: number;
  /** Why each server has its weight, keyed "vs|rs" (and "vs|sorry"). */
  explain: ReadonlyMap<string, string>;
  /** Virtual servers below quorum (feeds VRRP track_virtual_server). */
  belowQuorum: Set<string>;
  /** Live weight per virtual server: the target weights of its up, undrained real servers (what quorum compares). */
  live: Map<string, number>;
  /** serviceKeys present only because they drain: the reconciler must own them too. */
  drainingServices: Set<string>;
}

/** Memory for the first run. */
export function emptyMemory(): PlannerMemory {
  return { belowQuorum: new Map(), drains: new Map() };
}

/** Health target / override id of a real server: one flat string (see `hostPort`), as it is kept. */
export function serverId(vsName: string, rsKey: string): string {
  return [vsName, rsKey].join('|');
}

interface Ctx {
  input: PlannerInput;
  memory: PlannerMemory;
  /** Connection counts of the read table (indexed on first use). */
  conns: () => Map<string, DestSeen> | undefined;
  /** Reasons of the virtual server being planned. */
  explain: Map<string, string>;
  wake: number[];
  drains: Map<string, DrainEntry>;
}

/** Runs the planner. Pure. */
export function plan(input: PlannerInput, memory: PlannerMemory = emptyMemory()): Plan {
  let index: Map<string, DestSeen> | undefined;
  const ctx: Ctx = {
    input,
    memory,
    conns: () => (input.actual ? (index ??= connsIndex(input.actual)) : undefined),
    explain: new Map(),
    wake: [],
    drains: new Map(),
  };
  const belowQuorum = new Set<string>();
  const quorumMem = new Map<string, boolean>();
  const live = new Map<string, number>();
  const services: TableService[] = [];
  const planned = new Map<string, PlannedService>();
  const parts = new Map<string, ReadonlyMap<string, string>>();
  for (const vs of input.config.virtual_server) {
    const kept = input.changed && memory.planned?.get(vs.name);
    const p = kept && kept.settled && kept.vs === vs && !input.changed!.has(vs.name) ? kept : planService(vs, ctx);
    planned.set(vs.name, p);
    parts.set(vs.name, p.explain);
    quorumMem.set(vs.name, p.below);
    live.set(vs.name, p.live);
    if (p.below) belowQuorum.add(vs.name);
    services.push(p.service);
  }
  const removals = new Map<string, string>();
  const drainingServices = planRemovals(input.config, input.previous, memory.drains, ctx.drains, services, {
    now: input.now,
    conns: ctx.conns(),
    explain: removals,
    wake: ctx.wake,
  });
  const nextWakeAt = ctx.wake.length ? ctx.wake.reduce((a, b) => Math.min(a, b)) : undefined;
  return {
    table: { services },
    memory: { belowQuorum: quorumMem, drains: ctx.drains, planned },
    nextWakeAt,
    explain: new Explanations(parts, removals),
    belowQuorum,
    live,
    drainingServices,
  };
}

function planService(vs: VirtualServerConfig, ctx: Ctx): PlannedService {
  ctx.explain = new Map();
  const wakes = ctx.wake.length;
  const dests: Destination[] = [];
  const serving: string[] = [];
  let live = 0;
  for (const rs of vs.real_server) {
    const id = serverId(vs.name, rs.key);
    const r = planServer(vs, rs, id, ctx);
    live += r.live;
    if (r.dest) dests.push(r.dest);
    if (r.dest && r.dest.weight > 0) serving.push(id);
  }
  const below = quorumState(vs, live, ctx.memory.belowQuorum.get(vs.name));
  const sorry = sorryDest(vs);
  if (below && sorry) {
    for (const d of dests) d.weight = 0;
    for (const id of serving)
      ctx.explain.set(
        id,
        `up, but weight 0: below quorum (live weight ${live} < ${vs.quorum}), the sorry server serves`,
      );
    dests.push(sorry);
    ctx.explain.set(serverId(vs.name, 'sorry'), `sorry server serving: live weight ${live} below quorum ${vs.quorum}`);
  } else if (sorry) ctx.explain.set(serverId(vs.name, 'sorry'), `standby: live weight ${live}, quorum ${vs.quorum}`);
  const settled = ctx.wake.length === wakes;
  return { vs, service: { ...toService(vs), destinations: dests }, below, live, explain: ctx.explain, settled };
}

/** Quorum with hysteresis: lost below quorum − h, regained at quorum + h. */
export function quorumState(
  vs: Pick<VirtualServerConfig, 'quorum' | 'quorum_hysteresis'>,
  live: number,
  wasBelow: boolean | undefined,
): boolean {
  if (vs.quorum <= 0) return false;
  if (wasBelow === undefined) return live < vs.quorum;
  if (wasBelow) return live < vs.quorum + vs.quorum_hysteresis;
  return live < vs.quorum - vs.quorum_hysteresis;
}

type RS = VirtualServerConfig['real_server'][number];

function planServer(vs: VirtualServerConfig, rs: RS, id: string, ctx: Ctx): { dest?: Destination; live: number } {
  const { input } = ctx;
  const h = rs.check ? (input.health(id) ?? { up: rs.check.initial !== 'down' }) : { up: true };
  const admin = effectiveAdmin(input.admin.server(id), input.admin.service(vs.name));
  if (admin && admin.state !== 'ready') return { ...heldByOperator(vs, rs, id, admin, ctx), live: 0 };
  const target = admin?.weight ?? h.weight ?? rs.weight;
  if (!h.up) {
    const remove = vs.on_failure === 'remove';
    const why = h.reason ? `down (${h.reason})` : 'down: health check failing';
    ctx.explain.set(id, remove ? `${why}; removed (on_failure = remove)` : `${why}; weight 0 (on_failure = weight0)`);
    return remove ? { live: 0 } : { dest: toDest(vs, rs, 0), live: 0 };
  }
  if (target === 0) {
    ctx.explain.set(id, `up, but ${weightSource(h, admin)} weight 0: no new connections`);
    return { dest: toDest(vs, rs, 0), live: 0 };
  }
  const since = latest(h.upSince, admin?.readySince);
  const w = slowStartWeight(vs.slow_start, target, since, input.now);
  if (w.nextAt !== undefined) ctx.wake.push(w.nextAt);
  const after = since !== undefined && since === admin?.readySince ? 'after the operator set ready' : 'after recovery';
  ctx.explain.set(
    id,
    w.weight < target
      ? `up: slow start, weight ${w.weight} of ${target} until ${formatDuration(vs.slow_start)} ${after}`
      : admin?.weight !== undefined
        ? `up: weight ${target} set by the operator (configured ${rs.weight})`
        : target === rs.weight
          ? upWeight(target)
          : `up: dynamic weight ${target} (configured ${rs.weight})`,
  );
  return { dest: toDest(vs, rs, w.weight), live: target };
}

/** "up: weight N", one string per weight (36,000 servers at a handful of weights share a handful). */
const upWeights = new Map<number, string>();
function upWeight(w: number): string {
  let s = upWeights.get(w);
  if (s === undefined) {
    s = `up: weight ${w}`;
    if (upWeights.size < 1024) upWeights.set(w, s);
  }
  return s;
}

function weightSource(h: HealthView, admin: EffectiveAdmin | undefined): string {
  if (admin?.weight !== undefined) return 'the operator set';
  return h.weight === 0 ? 'the check reports' : 'configured';
}

function latest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** A real server the operator holds in drain or maint: weight 0 kept, or (maint, remove) left out. */
function heldByOperator(
  vs: VirtualServerConfig,
  rs: RS,
  id: string,
  admin: EffectiveAdmin,
  ctx: Ctx,
): { dest?: Destination } {
  const who = admin.by === 'service' ? `virtual server ${vs.name} set to ${admin.state}` : `set to ${admin.state}`;
  if (admin.state === 'maint' && vs.maintenance === 'remove') {
    ctx.explain.set(id, `maintenance: ${who} by the operator; removed from the table`);
    return {};
  }
  const what = admin.state === 'drain' ? 'drain' : 'maintenance';
  ctx.explain.set(id, `${what}: ${who} by the operator; weight 0, kept in the table until set ready`);
  return { dest: toDest(vs, rs, 0) };
}

/**
 * Slow-start weight at `now` for a server up since `upSince`: steps of max(1s, ramp/10); step k of n
 * gives max(1, round(target × k / n)); full weight from `upSince + ramp`. Also the next step's time.
 */
export function slowStartWeight(
  ramp: number,
  target: number,
  upSince: number | undefined,
  now: number,
): { weight: number; nextAt?: number } {
  if (ramp <= 0 || upSince === undefined || target === 0 || now - upSince >= ramp || now < upSince)
    return { weight: target };
  const step = Math.max(1000, ramp / 10);
  const n = Math.ceil(ramp / step);
  const k = Math.floor((now - upSince) / step);
  const weight = Math.max(1, Math.round((target * k) / n));
  return { weight: Math.min(target, weight), nextAt: Math.min(upSince + (k + 1) * step, upSince + ramp) };
}
