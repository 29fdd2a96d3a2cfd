import { describe, expect, it } from 'vitest';
import type { Checker, ProbeResult } from '../../../src/health/checker.js';
import { RoundHandle, runRound, attempt } from '../../../src/health/runner.js';
import { checkSchema, type CheckSpec } from '../../../src/health/schema.js';
import { ManualClock } from '../../../src/util/clock.js';

const target = { address: '10.0.0.1', port: 80, server: { address: '10.0.0.1', port: 80 }, timeoutMs: 100 };
const spec = (o: Record<string, unknown> = {}) =>
  checkSchema.parse({ type: 'tcp', interval: '1s', timeout: '100ms', ...o });

/** A checker whose probes resolve only when the test says so. */
function manual() {
  const pending: Array<{ resolve: (r: ProbeResult) => void; signal: AbortSignal }> = [];
  const checker: Checker<CheckSpec> = {
    kind: 'tcp',
    schema: checkSchema,
    probe: (_t, _s, signal) => new Promise((resolve) => pending.push({ resolve, signal })),
    describeTimeout: () => 'no TCP connection to 10.0.0.1:80',
  };
  return { checker, pending };
}

describe('runner', () => {
  it('an answer that completed in the same loop turn as the deadline wins over the timeout (deferred verdict)', async () => {
    const deferred: Array<() => void> = [];
    const clock = Object.assign(new ManualClock(), { defer: (fn: () => void) => void deferred.push(fn) });
    const { checker, pending } = manual();
    const results: ProbeResult[] = [];
    runRound({ checker, target, spec: spec(), clock }, new RoundHandle(), (r) => results.push(r));
    clock.advance(100); // deadline fires; its verdict waits for the I/O phase
    expect(deferred.length).toBe(1);
    pending[0].resolve({ ok: true, detail: 'connected to 10.0.0.1:80' });
    await Promise.resolve();
    deferred[0]();
    expect(results).toEqual([{ ok: true, detail: 'connected to 10.0.0.1:80' }]);
    expect(pending[0].signal.aborted).toBe(false);
  });

  it('without an answer the deferred verdict is the timeout, and the checker is aborted', () => {
    const deferred: Array<() => void> = [];
    const clock = Object.assign(new ManualClock(), { defer: (fn: () => void) => void deferred.push(fn) });
    const { checker, pending } = manual();
    const results: ProbeResult[] = [];
    runRound({ checker, target, spec: spec(), clock }, new RoundHandle(), (r) => results.push(r));
    clock.advance(100);
    deferred[0]();
    expect(results).toEqual([{ ok: false, detail: 'no TCP connection to 10.0.0.1:80 within 100 ms', timedOut: true }]);
    expect(pending[0].signal.aborted).toBe(true);
  });

  it('halting a round reports "probe stopped" once and aborts the checker; no retry follows', async () => {
    const clock = new ManualClock();
    const { checker, pending } = manual();
    const results: ProbeResult[] = [];
    const h = new RoundHandle();
    runRound({ checker, target, spec: spec({ retries: 2 }), clock }, h, (r) => results.push(r));
    h.halt();
    pending[0].resolve({ ok: false, detail: 'late' });
    await Promise.resolve();
    clock.advance(1000);
    expect(results).toEqual([{ ok: false, detail: 'probe stopped' }]);
    expect(pending.length).toBe(1);
    expect(pending[0].signal.aborted).toBe(true);
  });

  it('the promise form resolves a checker that returns garbage as a failure', async () => {
    const bad: Checker<CheckSpec> = {
      kind: 'tcp',
      schema: checkSchema,
      probe: () => Promise.resolve(undefined as unknown as ProbeResult),
    };
    expect(await attempt({ checker: bad, target, spec: spec(), clock: new ManualClock() })).toEqual({
      ok: false,
      detail: 'tcp checker returned no result',
    });
  });
});

/** A checker with only the callback form wired to the test: probes finish when the test calls `done`. */
function manualStart() {
  const pending: Array<{ done: (r: ProbeResult) => void; stops: number }> = [];
  const checker: Checker<CheckSpec> = {
    kind: 'tcp',
    schema: checkSchema,
    probe: () => Promise.reject(new Error('the runner must use start()')),
    start: (_t, _s, done) => {
      const p = { done, stops: 0 };
      pending.push(p);
      return () => p.stops++;
    },
    describeTimeout: () => 'no TCP connection to 10.0.0.1:80',
  };
  return { checker, pending };
}

describe('runner with a callback-form checker (start)', () => {
  it('uses start(), reports its result once and ignores a second done', () => {
    const clock = new ManualClock();
    const { checker, pending } = manualStart();
    const results: ProbeResult[] = [];
    runRound({ checker, target, spec: spec(), clock }, new RoundHandle(), (r) => results.push(r));
    pending[0].done({ ok: true, detail: 'connected to 10.0.0.1:80' });
    pending[0].done({ ok: false, detail: 'late' });
    clock.advance(1000);
    expect(results).toEqual([{ ok: true, detail: 'connected to 10.0.0.1:80' }]);
  });

  it('a deadline reports the timeout and calls stop; an answer after it is ignored', () => {
    const clock = new ManualClock();
    const { checker, pending } = manualStart();
    const results: ProbeResult[] = [];
    runRound({ checker, target, spec: spec(), clock }, new RoundHandle(), (r) => results.push(r));
    clock.advance(100);
    pending[0].done({ ok: true, detail: 'too late' });
    expect(results).toEqual([{ ok: false, detail: 'no TCP connection to 10.0.0.1:80 within 100 ms', timedOut: true }]);
    expect(pending[0].stops).toBe(1);
  });

  it('a synchronous done (failure before any waiting) and a throwing start both settle the round', () => {
    const clock = new ManualClock();
    const results: ProbeResult[] = [];
    const sync: Checker<CheckSpec> = {
      ...manualStart().checker,
      start: (_t, _s, done) => (done({ ok: false, detail: 'bind 192.0.2.1 EADDRNOTAVAIL' }), () => {}),
    };
    const throws: Checker<CheckSpec> = {
      ...manualStart().checker,
      start: () => {
        throw new Error('checker bug');
      },
    };
    runRound({ checker: sync, target, spec: spec(), clock }, new RoundHandle(), (r) => results.push(r));
    runRound({ checker: throws, target, spec: spec(), clock }, new RoundHandle(), (r) => results.push(r));
    clock.advance(1000);
    expect(results).toEqual([
      { ok: false, detail: 'bind 192.0.2.1 EADDRNOTAVAIL' },
      { ok: false, detail: 'tcp probe failed: checker bug' },
    ]);
  });

  it('halting stops the probe and reports "probe stopped" once', () => {
    const clock = new ManualClock();
    const { checker, pending } = manualStart();
    const results: ProbeResult[] = [];
    const h = new RoundHandle();
    runRound({ checker, target, spec: spec({ retries: 2 }), clock }, h, (r) => results.push(r));
    h.halt();
    pending[0].done({ ok: true, detail: 'late' });
    clock.advance(1000);
    expect(results).toEqual([{ ok: false, detail: 'probe stopped' }]);
    expect(pending.length).toBe(1);
    expect(pending[0].stops).toBe(1);
  });
});
