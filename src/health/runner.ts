/**
 * One probe round: up to 1 + retries attempts, each under its own deadline (an AbortSignal fired by the
 * clock), with retry_delay between attempts. The runner never trusts a checker: a throw or a rejection
 * becomes a failed result, and a checker that ignores its signal is cut off at the deadline.
 *
 * Callback style on purpose: at 12,000 rounds/s every promise and AbortController counts, so a round
 * costs one AbortController, one timer and the checker's own promise, and with a checker that has the
 * callback form (`start`, as tcp, http and https have) only the timer and a few closures (see bench/results/health.md).
 */
import type { Clock } from '../util/clock.js';
import { type Checker, describeError, failure, type ProbeResult, type ProbeTarget } from './checker.js';
import type { CheckSpec } from './schema.js';

/** Lets the owner stop a round: `halt()` aborts the attempt in flight and prevents further attempts. */
export class RoundHandle {
  halted = false;
  /** Set while an attempt runs: settles it as stopped and aborts its signal. */
  stopCurrent: (() => void) | undefined;

  /** Stops for good; a running round's callback still runs once with a "probe stopped" result. */
  halt(): void {
    this.halted = true;
    this.stopCurrent?.();
  }
}

/** What a round needs. */
export interface RoundContext {
  checker: Checker<CheckSpec>;
  target: ProbeTarget;
  spec: CheckSpec;
  /**
   * The deadline's verdict runs through `clock.defer` when the clock has it (the system clock: after
   * the I/O of this event-loop turn), so an answer that arrived in time wins over a deadline that
   * fired in the same turn.
   */
  clock: Clock;
}

const STOPPED: ProbeResult = { ok: false, detail: 'probe stopped' };

/** Runs one round; `done` is called exactly once with the result (never throws). */
export function runRound(ctx: RoundContext, handle: RoundHandle, done: (r: ProbeResult) => void): void {
  const retries = ctx.spec.retries;
  let i = 0;
  const next = (r: ProbeResult): void => {
    if (r.ok || i >= retries || handle.halted) return done(withAttempts(r, i, retries));
    i++;
    if (ctx.spec.retry_delay <= 0) return attemptCb(ctx, handle, next);
    ctx.clock.setTimeout(() => (handle.halted ? done(STOPPED) : attemptCb(ctx, handle, next)), ctx.spec.retry_delay);
  };
  attemptCb(ctx, handle, next);
}

function withAttempts(r: ProbeResult, i: number, retries: number): ProbeResult {
  if (r === STOPPED || retries === 0) return r;
  if (r.ok) return i > 0 ? { ...r, detail: `${r.detail} (after ${i} failed attempt${i > 1 ? 's' : ''})` } : r;
  return { ...r, detail: `${r.detail} (${i + 1} attempts)` };
}

/** One attempt under the spec's timeout; `done` is called exactly once. */
export function attemptCb(ctx: RoundContext, handle: RoundHandle, done: (r: ProbeResult) => void): void {
  if (handle.halted) return done(STOPPED);
  if (ctx.checker.start) return startCb(ctx, handle, done);
  const ctrl = new AbortController();
  let settled = false;
  const finish = (r: ProbeResult): void => {
    if (settled) return;
    settled = true;
    cancel();
    handle.stopCurrent = undefined;
    done(handle.halted ? STOPPED : r);
  };
  const expire = (): void => {
    if (settled) return;
    finish({ ok: false, detail: timeoutDetail(ctx), timedOut: true });
    ctrl.abort();
  };
  const cancel = ctx.clock.setTimeout(() => (ctx.clock.defer ? ctx.clock.defer(expire) : expire()), ctx.spec.timeout);
  handle.stopCurrent = () => {
    finish(STOPPED);
    ctrl.abort();
  };
  let p: Promise<ProbeResult>;
  try {
    p = ctx.checker.probe(ctx.target, ctx.spec, ctrl.signal);
  } catch (e) {
    return finish(failure(describeError(`${ctx.checker.kind} probe`, e), e));
  }
  p.then(
    (r) =>
      finish(
        r && typeof r.ok === 'boolean' ? r : { ok: false, detail: `${ctx.checker.kind} checker returned no result` },
      ),
    (e) => finish(failure(describeError(`${ctx.checker.kind} probe`, e), e)),
  );
}

/**
 * attemptCb through the checker's callback form: no AbortController and no promise per attempt.
 * Its finish/expire wiring mirrors attemptCb's on purpose: a shared guard (one more object and two
 * more closures per attempt) measured +0.05-0.08 core at 12,000 probes/s (bench/health-host.js).
 */
function startCb(ctx: RoundContext, handle: RoundHandle, done: (r: ProbeResult) => void): void {
  let settled = false;
  let stop: (() => void) | undefined;
  const finish = (r: ProbeResult): void => {
    if (settled) return;
    settled = true;
    cancel();
    handle.stopCurrent = undefined;
    done(handle.halted ? STOPPED : r);
  };
  const expire = (): void => {
    if (settled) return;
    finish({ ok: false, detail: timeoutDetail(ctx), timedOut: true });
    stop?.();
  };
  const cancel = ctx.clock.setTimeout(() => (ctx.clock.defer ? ctx.clock.defer(expire) : expire()), ctx.spec.timeout);
  handle.stopCurrent = () => {
    finish(STOPPED);
    stop?.();
  };
  try {
    stop = ctx.checker.start!(ctx.target, ctx.spec, (r) =>
      finish(
        r && typeof r.ok === 'boolean' ? r : { ok: false, detail: `${ctx.checker.kind} checker returned no result` },
      ),
    );
  } catch (e) {
    finish(failure(describeError(`${ctx.checker.kind} probe`, e), e));
  }
  if (settled) stop?.();
}

/** Promise form of one attempt (for tools and tests); `signal` aborts it. */
export function attempt(ctx: RoundContext & { signal?: AbortSignal }): Promise<ProbeResult> {
  const handle = new RoundHandle();
  ctx.signal?.addEventListener('abort', () => handle.halt(), { once: true });
  return new Promise((resolve) => attemptCb(ctx, handle, resolve));
}

function timeoutDetail(ctx: RoundContext): string {
  const what = ctx.checker.describeTimeout?.(ctx.target, ctx.spec) ?? 'no reply';
  return `${what} within ${ctx.spec.timeout} ms`;
}
