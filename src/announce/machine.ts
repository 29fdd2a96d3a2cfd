/**
 * THE ANNOUNCER: per VIP, whether its host route is in the announcement table, as a pure step.
 *
 * Inputs per step: which virtual servers are below quorum (the planner's verdict, with its own
 * quorum hysteresis), whether the whole director is in maintenance, whether lvsd is shutting down,
 * and the time. A VIP is announced only while
 *  - its services meet the policy: `any` (at least one of its virtual servers at quorum) or `all`;
 *  - the director is not in maintenance;
 *  - lvsd is not shutting down;
 * and, before it is (re)announced, the policy must have been met without a break for `holdDownMs`.
 * Withdrawal is immediate; announcement waits. That asymmetry is the hysteresis in time: a service
 * that flaps faster than the hold-down keeps its VIP withdrawn instead of flapping the route, and one
 * flapping backend among many cannot move a VIP whose policy is still met.
 * No I/O, no clock: `now` is an input and `nextWakeAt` says when to call again.
 */
import { formatDuration } from '../util/duration.js';

/** A VIP and the virtual servers (by name) whose health decides its announcement. */
export interface VipSpec {
  address: string;
  services: readonly string[];
}

/** How health turns into announcement. */
export interface AnnouncePolicy {
  policy: 'any' | 'all';
  /** How long the policy must hold before a withdrawn VIP is announced again (ms, ≥ 0). */
  holdDownMs: number;
}

/** One step's inputs. */
export interface AnnounceInput {
  now: number;
  /** Names of virtual servers below quorum. */
  belowQuorum: ReadonlySet<string>;
  /** The whole director is drained by the operator. */
  maintenance: boolean;
  /** lvsd is stopping: every VIP goes. */
  shuttingDown: boolean;
}

/** What the announcer remembers about one VIP. */
export interface VipState {
  announced: boolean;
  /** Why it is announced or withdrawn, for status. */
  reason: string;
  /** When `announced` last changed (or when the VIP was first seen). */
  since: number;
  /** Since when the conditions have held without a break; undefined while they do not. */
  metSince?: number;
}

/** State by VIP address; start with an empty map. */
export type AnnouncerState = ReadonlyMap<string, VipState>;

/** An announce or withdraw, with the reason, for the transition log. */
export interface AnnounceTransition {
  vip: string;
  to: 'announced' | 'withdrawn';
  reason: string;
  at: number;
}

/** Output of one step. */
export interface AnnounceStep {
  state: AnnouncerState;
  transitions: AnnounceTransition[];
  /** When a hold-down ends; undefined = nothing pending. */
  nextWakeAt?: number;
  /** Addresses to announce now, in the order of `vips`. */
  announced: string[];
}

/** Runs the announcer for every VIP. Pure; a VIP no longer in `vips` is forgotten (withdrawn). */
export function stepAnnouncer(
  vips: readonly VipSpec[],
  policy: AnnouncePolicy,
  prev: AnnouncerState,
  input: AnnounceInput,
): AnnounceStep {
  const state = new Map<string, VipState>();
  const transitions: AnnounceTransition[] = [];
  const wakes: number[] = [];
  for (const vip of vips) {
    const before = prev.get(vip.address);
    const next = stepVip(vip, policy, before, input);
    state.set(vip.address, next.state);
    if (next.wakeAt !== undefined) wakes.push(next.wakeAt);
    if ((before?.announced ?? false) !== next.state.announced)
      transitions.push({
        vip: vip.address,
        to: next.state.announced ? 'announced' : 'withdrawn',
        reason: next.state.reason,
        at: input.now,
      });
  }
  for (const [address, s] of prev)
    if (s.announced && !state.has(address))
      transitions.push({ vip: address, to: 'withdrawn', reason: 'no longer configured', at: input.now });
  const announced = vips.filter((v) => state.get(v.address)!.announced).map((v) => v.address);
  const nextWakeAt = wakes.length ? Math.min(...wakes) : undefined;
  return { state, transitions, nextWakeAt, announced };
}

function stepVip(
  vip: VipSpec,
  p: AnnouncePolicy,
  before: VipState | undefined,
  input: AnnounceInput,
): { state: VipState; wakeAt?: number } {
  const blocked = blocker(vip, p, input);
  const announced = before?.announced ?? false;
  const since = (to: boolean): number => (before && before.announced === to ? before.since : input.now);
  if (blocked !== undefined) return { state: { announced: false, reason: blocked, since: since(false) } };
  const metSince = before?.metSince ?? input.now;
  const met = healthText(vip, p, input.belowQuorum);
  if (announced) return { state: { announced: true, reason: met, since: since(true), metSince } };
  const at = metSince + p.holdDownMs;
  if (input.now >= at) return { state: { announced: true, reason: met, since: input.now, metSince } };
  const reason = `hold-down: ${met} since ${formatDuration(input.now - metSince)} ago; announcing in ${formatDuration(at - input.now)}`;
  return { state: { announced: false, reason, since: since(false), metSince }, wakeAt: at };
}

/** Why the VIP must not be announced now; undefined when nothing stands in the way. */
function blocker(vip: VipSpec, p: AnnouncePolicy, input: AnnounceInput): string | undefined {
  if (input.shuttingDown) return 'shutting down';
  if (input.maintenance) return 'director in maintenance';
  const below = vip.services.filter((s) => input.belowQuorum.has(s));
  const ok = p.policy === 'all' ? below.length === 0 : below.length < vip.services.length;
  return ok ? undefined : `health: ${healthText(vip, p, input.belowQuorum)}; below quorum: ${below.join(', ')}`;
}

function healthText(vip: VipSpec, p: AnnouncePolicy, belowQuorum: ReadonlySet<string>): string {
  const at = vip.services.filter((s) => !belowQuorum.has(s)).length;
  return `${at} of ${vip.services.length} virtual servers at quorum (policy ${p.policy})`;
}
