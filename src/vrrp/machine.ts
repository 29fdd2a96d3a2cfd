/**
 * The VRRP state machine (RFC 3768 §6.4, RFC 5798 §6.4, with keepalived's refinements), pure:
 * `step(cfg, state, event) → { state, actions }`. Time arrives only inside events (`now`, ms on a
 * monotonic clock); the one timer the machine needs is `state.deadline`, which the driver arms and
 * turns into a `{ type: 'timer' }` event. Nothing here does I/O.
 *
 *   INIT ──startup──▶ MASTER (priority 255) | BACKUP (Master_Down timer) | FAULT (tracked fault)
 *   BACKUP ──Master_Down timer──▶ MASTER (advert, add VIPs, GARP)
 *   MASTER ──higher advert, or equal from a higher IP──▶ BACKUP;  lower advert → answer at once
 *   any ──fault──▶ FAULT ──fault cleared──▶ BACKUP;  MASTER ──shutdown──▶ INIT (priority-0 advert)
 *
 * Against forged adverts that pass the codec (unauthenticated VRRP cannot tell them apart by bytes):
 *   - a backup never waits less than its own interval would make it: an advert's shorter
 *     Max Adver Int is not adopted (a longer one is, as RFC 5798 says);
 *   - a priority-0 advert counts only from the current master; if the master sends a normal advert
 *     while its resignation is pending, its priority-0 adverts are ignored for a while (a storm);
 *   - a master answers priority-0 and lower-priority adverts at most once per `answerGapMs`.
 * Adverts ignored for these reasons come out as an `ignore` action, so the driver can count them.
 */
import type { Advert } from './packet.js';
import { compareAddr } from './addr.js';

/** What the machine needs from the instance config (durations in ms). */
export interface MachineConfig {
  version: 2 | 3;
  /** Our advert interval in centiseconds. */
  intervalCs: number;
  /** Configured base priority; 255 = address owner. */
  priority: number;
  preempt: boolean;
  preemptDelayMs: number;
  /** Our primary (source) address: the tie-break against a peer of equal priority. */
  primaryIp: string;
}

/** The four states of RFC 5798 plus FAULT as keepalived has it. */
export type StateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

/** Machine state; plain data, safe to copy and compare. */
export interface VrrpState {
  state: StateName;
  /** Effective priority (base ± tracking weights), fed by `priority` events. */
  priority: number;
  /** A tracked fault holding the instance in FAULT, or undefined. */
  fault?: string;
  /** Master_Adver_Interval in centiseconds (v3 adopts the master's). */
  masterIntervalCs: number;
  masterIp?: string;
  masterPriority?: number;
  /** When the pending timer fires (ms); undefined = no timer. */
  deadline?: number;
  /** In BACKUP: lower-priority masters are tolerated until this time (preempt_delay). */
  preemptAt?: number;
  /** In BACKUP: the master's priority-0 advert we are acting on (its Skew_Time timer runs). */
  resignedAt?: number;
  /** Priority-0 adverts from `masterIp` are ignored until this time (a resignation was contradicted). */
  distrustUntil?: number;
  /** When we last sent an advert (rate limit of immediate answers). */
  sentAt?: number;
  since: number;
  reason: string;
}

/** Inputs to the machine. */
export type VrrpEvent =
  | { type: 'startup'; now: number }
  | { type: 'timer'; now: number }
  | { type: 'advert'; now: number; advert: Advert; src: string }
  | { type: 'priority'; now: number; priority: number }
  | { type: 'fault'; now: number; fault?: string }
  | { type: 'vipDeleted'; now: number; address: string }
  | { type: 'shutdown'; now: number };

/** Outputs, executed by the driver in order. */
export type VrrpAction =
  | { type: 'send'; priority: number }
  | { type: 'addVips' }
  | { type: 'removeVips' }
  | { type: 'announce' }
  | { type: 'transition'; from: StateName; to: StateName; reason: string }
  | { type: 'ignore'; reason: IgnoreReason; detail: string };

/** Why the machine ignored an advert the codec accepted. */
export type IgnoreReason = 'resign-not-master' | 'resign-distrusted';

/** Result of one step. */
export interface StepResult {
  state: VrrpState;
  actions: VrrpAction[];
}

/** Initial state before `startup`. */
export function initialState(cfg: MachineConfig, now: number): VrrpState {
  return { state: 'INIT', priority: cfg.priority, masterIntervalCs: cfg.intervalCs, since: now, reason: 'created' };
}

/** Skew_Time in ms: (256 − priority) × Master_Adver_Interval / 256 (v2 and v3 alike, in ms). */
export function skewMs(priority: number, intervalCs: number): number {
  return ((256 - priority) * intervalCs * 10) / 256;
}

/** Master_Down_Interval in ms: 3 × Master_Adver_Interval + Skew_Time. */
export function masterDownMs(priority: number, intervalCs: number): number {
  return 3 * intervalCs * 10 + skewMs(priority, intervalCs);
}

/** Least gap between two adverts a master sends in answer to others: a quarter interval, at most 100 ms. */
export function answerGapMs(cfg: MachineConfig): number {
  return Math.min(100, (cfg.intervalCs * 10) / 4);
}

/** How long a master whose resignation was contradicted is not believed when it resigns again. */
export function distrustMs(priority: number, intervalCs: number): number {
  return 10 * masterDownMs(priority, intervalCs);
}

/** Applies one event. Unknown or irrelevant events return the state unchanged and no actions. */
export function step(cfg: MachineConfig, s: VrrpState, e: VrrpEvent): StepResult {
  switch (e.type) {
    case 'startup':
      return s.state === 'INIT' ? enterFromInit(cfg, s, e.now, 'startup') : same(s);
    case 'timer':
      return onTimer(cfg, s, e.now);
    case 'advert':
      return onAdvert(cfg, s, e);
    case 'priority':
      return same({ ...s, priority: e.priority });
    case 'fault':
      return onFault(cfg, s, e.now, e.fault);
    case 'vipDeleted':
      return s.state === 'MASTER'
        ? toBackup(
            cfg,
            { ...s, masterIp: undefined, masterPriority: undefined },
            e.now,
            `virtual IP ${e.address} deleted by someone else`,
          )
        : same(s);
    case 'shutdown':
      return onShutdown(s, e.now);
  }
}

const same = (state: VrrpState): StepResult => ({ state, actions: [] });

function moved(
  s: VrrpState,
  to: StateName,
  now: number,
  reason: string,
  patch: Partial<VrrpState>,
  actions: VrrpAction[],
): StepResult {
  const state: VrrpState = { ...s, ...patch, state: to, since: now, reason };
  return { state, actions: [...actions, { type: 'transition', from: s.state, to, reason }] };
}

function enterFromInit(cfg: MachineConfig, s: VrrpState, now: number, why: string): StepResult {
  if (s.fault) return moved(s, 'FAULT', now, s.fault, { deadline: undefined }, [{ type: 'removeVips' }]);
  if (cfg.priority === 255) return toMaster(cfg, s, now, `${why}: address owner (priority 255)`);
  const r = toBackup(cfg, { ...s, masterIp: undefined, masterPriority: undefined }, now, why);
  return r;
}

function toMaster(cfg: MachineConfig, s: VrrpState, now: number, reason: string): StepResult {
  const patch = {
    deadline: now + cfg.intervalCs * 10,
    masterIntervalCs: cfg.intervalCs,
    masterIp: cfg.primaryIp,
    masterPriority: s.priority,
    preemptAt: undefined,
    resignedAt: undefined,
    sentAt: now,
  };
  return moved(s, 'MASTER', now, reason, patch, [
    { type: 'send', priority: s.priority },
    { type: 'addVips' },
    { type: 'announce' },
  ]);
}

/** Into BACKUP: VIPs go (stale ones after a crash too), the Master_Down timer starts. */
function toBackup(
  cfg: MachineConfig,
  s: VrrpState,
  now: number,
  reason: string,
  intervalCs = cfg.intervalCs,
): StepResult {
  const patch = {
    masterIntervalCs: intervalCs,
    deadline: now + masterDownMs(s.priority, intervalCs),
    preemptAt: cfg.preemptDelayMs > 0 ? now + cfg.preemptDelayMs : undefined,
    resignedAt: undefined,
  };
  return moved(s, 'BACKUP', now, reason, patch, [{ type: 'removeVips' }]);
}

function onTimer(cfg: MachineConfig, s: VrrpState, now: number): StepResult {
  if (s.deadline === undefined || now < s.deadline) return same(s);
  if (s.state === 'BACKUP') return toMaster(cfg, s, now, 'master down timer expired');
  if (s.state === 'MASTER')
    return {
      state: {
        ...s,
        deadline: s.deadline + cfg.intervalCs * 10 > now ? s.deadline + cfg.intervalCs * 10 : now + cfg.intervalCs * 10,
        sentAt: now,
      },
      actions: [{ type: 'send', priority: s.priority }],
    };
  return same({ ...s, deadline: undefined });
}

function onAdvert(cfg: MachineConfig, s: VrrpState, e: Extract<VrrpEvent, { type: 'advert' }>): StepResult {
  if (s.state === 'BACKUP') return backupRx(cfg, s, e.now, e.advert, e.src);
  if (s.state === 'MASTER') return masterRx(cfg, s, e.now, e.advert, e.src);
  return same(s);
}

function backupRx(cfg: MachineConfig, s: VrrpState, now: number, a: Advert, src: string): StepResult {
  if (a.priority === 0) return backupResign(s, now, src);
  const tolerated = s.preemptAt !== undefined && now < s.preemptAt;
  if (!cfg.preempt || a.priority >= s.priority || tolerated) {
    const iv = adoptedInterval(cfg, a);
    const contradicted = s.resignedAt !== undefined && src === s.masterIp;
    return same({
      ...s,
      masterIntervalCs: iv,
      deadline: now + masterDownMs(s.priority, iv),
      masterIp: src,
      masterPriority: a.priority,
      resignedAt: undefined,
      distrustUntil: contradicted ? now + distrustMs(s.priority, iv) : s.distrustUntil,
    });
  }
  return same(s); // lower-priority master and we preempt: let the Master_Down timer run out
}

/** v3: the master's interval, but never shorter than ours (one forged advert must not hurry us). */
function adoptedInterval(cfg: MachineConfig, a: Advert): number {
  return cfg.version === 3 ? Math.max(a.intervalCs, cfg.intervalCs) : cfg.intervalCs;
}

/** A priority-0 advert in BACKUP: Skew_Time, if it comes from the master and the master is believed. */
function backupResign(s: VrrpState, now: number, src: string): StepResult {
  if (s.masterIp !== undefined && src !== s.masterIp)
    return ignore(s, 'resign-not-master', `priority 0 from ${src}, the master is ${s.masterIp}`);
  if (s.distrustUntil !== undefined && now < s.distrustUntil) {
    const until = now + distrustMs(s.priority, s.masterIntervalCs);
    return ignore(
      { ...s, distrustUntil: until },
      'resign-distrusted',
      `priority 0 from ${src}, which still advertises`,
    );
  }
  const deadline = now + skewMs(s.priority, s.masterIntervalCs);
  return same({ ...s, deadline, masterIp: src, masterPriority: 0, resignedAt: now });
}

const ignore = (state: VrrpState, reason: IgnoreReason, detail: string): StepResult => ({
  state,
  actions: [{ type: 'ignore', reason, detail }],
});

function masterRx(cfg: MachineConfig, s: VrrpState, now: number, a: Advert, src: string): StepResult {
  const wins = a.priority > s.priority || (a.priority === s.priority && compareAddr(src, cfg.primaryIp) > 0);
  if (a.priority === 0 || !wins) return answer(cfg, s, now, a.priority === 0);
  const iv = adoptedInterval(cfg, a);
  const r = toBackup(
    cfg,
    { ...s, masterIp: src, masterPriority: a.priority },
    now,
    `advert from ${src} with priority ${a.priority} (ours ${s.priority})`,
    iv,
  );
  return { state: { ...r.state, preemptAt: undefined }, actions: r.actions };
}

/**
 * A master's answer to a priority-0 or lower-priority advert: one advert at once (RFC 5798 6.4.3,
 * keepalived), unless one went out less than `answerGapMs` ago — a flood is not amplified.
 */
function answer(cfg: MachineConfig, s: VrrpState, now: number, resetTimer: boolean): StepResult {
  if (s.sentAt !== undefined && now - s.sentAt < answerGapMs(cfg)) return same(s);
  const deadline = resetTimer ? now + cfg.intervalCs * 10 : s.deadline;
  return { state: { ...s, deadline, sentAt: now }, actions: [{ type: 'send', priority: s.priority }] };
}

function onFault(cfg: MachineConfig, s: VrrpState, now: number, fault?: string): StepResult {
  const next = { ...s, fault };
  if (fault && s.state !== 'FAULT' && s.state !== 'INIT') {
    const resign: VrrpAction[] = s.state === 'MASTER' ? [{ type: 'send', priority: 0 }] : [];
    return moved(next, 'FAULT', now, fault, { deadline: undefined }, [...resign, { type: 'removeVips' }]);
  }
  if (!fault && s.state === 'FAULT') return enterFromInit(cfg, next, now, 'fault cleared');
  return same(next);
}

function onShutdown(s: VrrpState, now: number): StepResult {
  if (s.state === 'INIT') return same(s);
  const resign: VrrpAction[] = s.state === 'MASTER' ? [{ type: 'send', priority: 0 }] : [];
  return moved(s, 'INIT', now, 'shutdown', { deadline: undefined }, [...resign, { type: 'removeVips' }]);
}
