/**
 * One probe round: up to 1 + retries attempts, each under its own deadline (an AbortSignal fired by the
 * clock), with retry_delay between attempts. The runner never trusts a checker: a throw or a rejection
 * becomes a failed result, and a checker that ignores its signal is cut off at the deadline.
 */
import type { Clock } from '../util/clock.js';
import { type Checker, describeError, type ProbeResult, type ProbeTarget } from './checker.js';
import type { CheckSpec } from './schema.js';

/** What a round needs. `signal` aborts the whole round (engine stop or target removal). */
export interface RoundContext {
  checker: Checker<CheckSpec>;
  target: ProbeTarget;
  spec: CheckSpec;
  clock: Clock;
  signal: AbortSignal;
}

const STOPPED: ProbeResult = { ok: false, detail: 'probe stopped' };

/** Runs one round and resolves with its result (never rejects). */
export async function runRound(ctx: RoundContext): Promise<ProbeResult> {
  const { spec } = ctx;
  let last: ProbeResult = STOPPED;
  for (let i = 0; i <= spec.retries; i++) {
    if (i > 0 && spec.retry_delay > 0) await sleep(ctx.clock, spec.retry_delay, ctx.signal);
    if (ctx.signal.aborted) return STOPPED;
    last = await attempt(ctx);
    if (last.ok) return i > 0 ? { ...last, detail: `${last.detail} (after ${i} failed attempt${i > 1 ? 's' : ''})` } : last;
  }
  return spec.retries > 0 ? { ...last, detail: `${last.detail} (${spec.retries + 1} attempts)` } : last;
}

/** One attempt under the spec's timeout. */
export async function attempt(ctx: RoundContext): Promise<ProbeResult> {
  const ctrl = new AbortController();
  const onOuter = (): void => ctrl.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onOuter, { once: true });
  let cancelTimer: () => void = () => {};
  const deadline = new Promise<ProbeResult>((resolve) => {
    cancelTimer = ctx.clock.setTimeout(() => {
      resolve({ ok: false, detail: timeoutDetail(ctx) });
      ctrl.abort(new Error('timeout'));
    }, ctx.spec.timeout);
    ctrl.signal.addEventListener('abort', () => resolve(STOPPED), { once: true });
  });
  try {
    return await Promise.race([safeProbe(ctx, ctrl.signal), deadline]);
  } finally {
    cancelTimer();
    ctx.signal.removeEventListener('abort', onOuter);
    if (!ctrl.signal.aborted) ctrl.abort(new Error('round over'));
  }
}

function safeProbe(ctx: RoundContext, signal: AbortSignal): Promise<ProbeResult> {
  return Promise.resolve()
    .then(() => ctx.checker.probe(ctx.target, ctx.spec, signal))
    .then(
      (r) => (r && typeof r.ok === 'boolean' ? r : { ok: false, detail: `${ctx.checker.kind} checker returned no result` }),
      (e) => ({ ok: false, detail: describeError(`${ctx.checker.kind} probe`, e) }),
    );
}

function timeoutDetail(ctx: RoundContext): string {
  const what = ctx.checker.describeTimeout?.(ctx.target, ctx.spec) ?? 'no reply';
  return `${what} within ${ctx.spec.timeout} ms`;
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const cancel = clock.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      cancel();
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
