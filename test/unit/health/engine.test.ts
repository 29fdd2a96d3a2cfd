import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Checker, ProbeResult, ProbeTarget } from '../../../src/health/checker.js';
import { HealthEngine, type HealthEvent, probeKey } from '../../../src/health/engine.js';
import { HealthMetrics } from '../../../src/health/metrics.js';
import { checkSchema, type CheckSpec } from '../../../src/health/schema.js';
import { ManualClock, systemClock } from '../../../src/util/clock.js';

type Reply = ProbeResult | 'hang' | 'throw';

/** A checker whose replies come from a function; records every call and whether its signal aborted. */
function fakeChecker(kind: string, reply: (t: ProbeTarget, n: number) => Reply) {
  const calls: Array<{ target: ProbeTarget; at: number; aborted: () => boolean }> = [];
  let now = () => 0;
  const checker: Checker<CheckSpec> = {
    kind,
    schema: checkSchema,
    probe(target, _spec, signal) {
      calls.push({ target, at: now(), aborted: () => signal.aborted });
      const r = reply(target, calls.length);
      if (r === 'throw') throw new Error('checker bug');
      if (r === 'hang') return new Promise(() => {});
      return Promise.resolve(r);
    },
  };
  return { checker, calls, setNow: (f: () => number) => (now = f) };
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const ok = (detail = 'ok'): ProbeResult => ({ ok: true, detail });
const bad = (detail = 'connect ECONNREFUSED'): ProbeResult => ({ ok: false, detail });

let engines: HealthEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  engines = [];
});

function setup(
  reply: (t: ProbeTarget, n: number) => Reply,
  opts: { random?: () => number; metrics?: HealthMetrics } = {},
) {
  const clock = new ManualClock();
  const fake = fakeChecker('tcp', reply);
  fake.setNow(() => clock.now());
  let wall = 1_700_000_000_000;
  const engine = new HealthEngine({
    clock,
    random: opts.random ?? (() => 0.5),
    checkers: new Map([['tcp', fake.checker]]),
    wallClock: () => wall++,
    metrics: opts.metrics,
  });
  engines.push(engine);
  const events: HealthEvent[] = [];
  engine.onTransition((e) => events.push(e));
  const step = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10);
      await flush();
    }
  };
  return { clock, engine, events, calls: fake.calls, step };
}

const spec = (over: Record<string, unknown> = {}) =>
  checkSchema.parse({ type: 'tcp', interval: '1s', timeout: '500ms', rise: 2, fall: 2, ...over });

/**
 * An engine on a manual clock whose next armed timer fires late (the event loop was busy): the
 * scheduler's timer, since it is the only one the engine arms. `delayNext(ms)` makes the next
 * timer late by ms (`late`: the first one).
 */
function lateTimerEngine(check: Parameters<typeof fakeChecker>[1], random: () => number, late = 0) {
  const manual = new ManualClock();
  let lateBy = late;
  const clock = {
    now: () => manual.now(),
    setTimeout: (fn: () => void, ms: number) => {
      const extra = lateBy;
      lateBy = 0;
      return manual.setTimeout(fn, ms + extra);
    },
  };
  const fake = fakeChecker('tcp', check);
  fake.setNow(() => manual.now());
  const engine = new HealthEngine({ clock, random, checkers: new Map([['tcp', fake.checker]]) });
  engines.push(engine);
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      manual.advance(10);
      await flush();
    }
  };
  return { engine, calls: fake.calls, run, delayNext: (ms: number) => (lateBy = ms) };
}

describe('HealthEngine timing', () => {
  it('spreads the first probe over one interval (warmup) and then keeps the interval', async () => {
    const { engine, calls, step } = setup(() => ok());
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec() }]);
    await step(3000);
    expect(calls.map((c) => c.at)).toEqual([500, 1500, 2500]);
  });

  it('starts at once without warmup', async () => {
    const { engine, calls, step } = setup(() => ok());
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ warmup: false }) }]);
    await step(2000);
    expect(calls.map((c) => c.at)).toEqual([0, 1000, 2000]);
  });

  it('a round that started late is followed one interval after its start, not early to catch up', async () => {
    // The scheduler's timer for the second round fires 700 ms late (the event loop was busy).
    const t = lateTimerEngine(
      (_t, n) => {
        if (n === 1) t.delayNext(700); // the next timer armed is the one for round 2
        return ok();
      },
      () => 0.5,
    );
    t.engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ warmup: false }) }]);
    await t.run(4000);
    // fixed cadence would have probed at 2000 too: 300 ms after the late round
    expect(t.calls.map((c) => c.at)).toEqual([0, 1700, 2700, 3700]);
  });

  it('rounds a short stall held back together keep their own places afterwards', async () => {
    // Two targets due at 100 and 200 ms; the scheduler's first timer fires 150 ms late, so both
    // start at 250. Late by less than a quarter interval, each keeps its place: 1100 and 1200, not
    // both at 1250 (scheduled from their start, they would stay together in every later round).
    const r = [0.1, 0.2];
    let i = 0;
    const t = lateTimerEngine(
      () => ok(),
      () => r[i++ % 2]!,
      150,
    );
    t.engine.setTargets([
      { id: 'a', address: '10.0.0.1', port: 80, spec: spec() },
      { id: 'b', address: '10.0.0.2', port: 80, spec: spec() },
    ]);
    await t.run(2300);
    expect(t.calls.map((c) => `${c.target.address}@${c.at}`)).toEqual([
      '10.0.0.1@250',
      '10.0.0.2@250',
      '10.0.0.1@1100',
      '10.0.0.2@1200',
      '10.0.0.1@2100',
      '10.0.0.2@2200',
    ]);
  });

  it('gives different targets different phases from the random source', async () => {
    const r = [0.1, 0.7];
    let i = 0;
    const { engine, calls, step } = setup(() => ok(), { random: () => r[i++ % 2] });
    engine.setTargets([
      { id: 'a', address: '10.0.0.1', port: 80, spec: spec() },
      { id: 'b', address: '10.0.0.2', port: 80, spec: spec() },
    ]);
    await step(1000);
    expect(calls.map((c) => `${c.target.address}@${c.at}`)).toEqual(['10.0.0.1@100', '10.0.0.2@700']);
  });
});

describe('HealthEngine verdicts', () => {
  it('verdict() agrees with status() minus the recent results, before and after probes, and for an unknown id', async () => {
    const { engine, step } = setup((_t, n) => (n % 3 === 0 ? bad() : ok()));
    const pick = (id: string) => {
      const s = engine.status(id);
      return s && { state: s.state, since: s.since, reason: s.reason, weight: s.weight, probes: s.probes };
    };
    const verdict = (id: string) => {
      const v = engine.verdict(id);
      return v && { state: v.state, since: v.since, reason: v.reason, weight: v.weight, probes: v.probes };
    };
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ fall: 1, initial: 'down' }) }]);
    expect(verdict('a')).toEqual(pick('a'));
    expect(verdict('a')?.state).toBe('down');
    for (let i = 0; i < 6; i++) {
      await step(500);
      expect(verdict('a')).toEqual(pick('a'));
    }
    expect(verdict('a')?.probes).toBeGreaterThan(2);
    expect(engine.verdict('nope')).toBeUndefined();
  });

  it('goes down after `fall` failures with the checker reason, then up after `rise` successes', async () => {
    const { engine, events, step } = setup((_t, n) => (n <= 2 ? bad() : ok('HTTP 200 from 10.0.0.1:80/')));
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec() }]);
    await step(4000);
    expect(events.map((e) => [e.id, e.from, e.to, e.reason])).toEqual([
      ['a', 'up', 'down', 'connect ECONNREFUSED (2 in a row)'],
      ['a', 'down', 'up', 'HTTP 200 from 10.0.0.1:80/ (2 in a row)'],
    ]);
    expect(events[0].at).toBeGreaterThan(1_600_000_000_000);
    const st = engine.status('a')!;
    expect(st).toMatchObject({ state: 'up', probes: 4 });
    expect(st.lastResults.map((r) => r.ok)).toEqual([false, false, true, true]);
  });

  it('a probe that hangs fails at the timeout with "no reply within 500 ms" and its signal aborted', async () => {
    const { engine, calls, events, step } = setup(() => 'hang');
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ fall: 1 }) }]);
    await step(1010);
    expect(calls[0].aborted()).toBe(true);
    expect(events).toEqual([expect.objectContaining({ to: 'down', reason: 'no reply within 500 ms' })]);
    expect(engine.status('a')!.lastResults[0]).toMatchObject({ ok: false, ms: 500 });
  });

  it('a checker that throws becomes a failure and the engine keeps probing', async () => {
    const { engine, calls, events, step } = setup(() => 'throw');
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ fall: 1 }) }]);
    await step(2600);
    expect(calls.length).toBe(3);
    expect(events[0].reason).toBe('tcp probe failed: checker bug');
  });

  it('retries within a round after retry_delay and reports it', async () => {
    const { engine, calls, step } = setup((_t, n) => (n % 2 === 1 ? bad() : ok('connected')));
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ retries: 1, retry_delay: '200ms' }) }]);
    await step(1000);
    expect(calls.map((c) => c.at)).toEqual([500, 700]);
    expect(engine.status('a')!.lastResults).toEqual([
      expect.objectContaining({ ok: true, detail: 'connected (after 1 failed attempt)', ms: 200 }),
    ]);
  });

  it('a listener that throws does not stop other listeners or the engine', async () => {
    const { engine, events, step } = setup(() => bad());
    engine.onTransition(() => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    engine.onTransition((e) => seen.push(e.to));
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ fall: 1 }) }]);
    await step(1000);
    expect(events.length).toBe(1);
    expect(seen).toEqual(['down']);
  });
});

describe('HealthEngine shared probes and setTargets diff', () => {
  it('identical (address, port, spec) under three ids run ONE probe and fan out to all ids', async () => {
    const { engine, calls, events, step } = setup(() => bad());
    const s = spec();
    engine.setTargets(['vs1', 'vs2', 'vs3'].map((id) => ({ id, address: '10.0.0.9', port: 80, spec: s })));
    await step(3000);
    expect(calls.length).toBe(3); // 3 intervals, not 9
    expect(engine.stats()).toMatchObject({ targets: 3, probes: 1 });
    expect(events.map((e) => e.id).sort()).toEqual(['vs1', 'vs2', 'vs3']);
  });

  it('specs equal in value but built separately (header order differs) still share', () => {
    const a = checkSchema.parse({ type: 'http', headers: { a: '1', b: '2' } });
    const b = checkSchema.parse({ type: 'http', headers: { b: '2', a: '1' } });
    expect(probeKey({ address: 'x', port: 1, spec: a })).toBe(probeKey({ address: 'x', port: 1, spec: b }));
    const c = checkSchema.parse({ type: 'http', headers: { a: '1', b: '3' } });
    expect(probeKey({ address: 'x', port: 1, spec: a })).not.toBe(probeKey({ address: 'x', port: 1, spec: c }));
  });

  it('addTargets adds without touching the others; a later setTargets naming them keeps their phase', async () => {
    const { engine, calls, step } = setup(() => ok());
    const a = { id: 'a', address: '10.0.0.1', port: 80, spec: spec({ warmup: false }) };
    const b = { id: 'b', address: '10.0.0.2', port: 80, spec: spec({ warmup: false }) };
    engine.addTargets([a]);
    await step(300);
    engine.addTargets([b, a]); // a again: left as it is
    await step(400);
    engine.setTargets([a, b]); // at 700: neither restarts
    await step(1600);
    expect(calls.map((c) => `${c.target.address}@${c.at}`)).toEqual([
      '10.0.0.1@0',
      '10.0.0.2@300',
      '10.0.0.1@1000',
      '10.0.0.2@1300',
      '10.0.0.1@2000',
      '10.0.0.2@2300',
    ]);
    expect(engine.stats()).toMatchObject({ targets: 2, probes: 2 });
  });

  it('keeps state and phase of unchanged targets, restarts changed ones, stops removed ones', async () => {
    const { engine, calls, step } = setup(() => bad());
    const s = spec({ fall: 1 });
    engine.setTargets([
      { id: 'keep', address: '10.0.0.1', port: 80, spec: s },
      { id: 'change', address: '10.0.0.2', port: 80, spec: s },
      { id: 'drop', address: '10.0.0.3', port: 80, spec: s },
    ]);
    await step(1000);
    expect(engine.status('keep')!.state).toBe('down');
    engine.setTargets([
      { id: 'keep', address: '10.0.0.1', port: 80, spec: spec({ fall: 1 }) },
      { id: 'change', address: '10.0.0.2', port: 80, spec: spec({ fall: 1, rise: 3 }) },
    ]);
    expect(engine.status('keep')).toMatchObject({ state: 'down', probes: 1 });
    expect(engine.status('change')).toMatchObject({ state: 'up', probes: 0 });
    expect(engine.status('drop')).toBeUndefined();
    const before = calls.length;
    await step(1000);
    const after = calls.slice(before).map((c) => `${c.target.address}@${c.at}`);
    expect(after).toEqual(['10.0.0.1@1500', '10.0.0.2@1500']);
    expect(engine.stats()).toMatchObject({ targets: 2, probes: 2 });
  });

  it('removing a target aborts its in-flight probe', async () => {
    const { engine, calls, step } = setup(() => 'hang');
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec() }]);
    await step(600);
    expect(engine.stats().inFlight).toBe(1);
    engine.setTargets([]);
    await step(10);
    expect(calls[0].aborted()).toBe(true);
    expect(engine.stats()).toMatchObject({ targets: 0, probes: 0, inFlight: 0 });
  });

  it('stop() aborts in-flight probes and later setTargets is refused', async () => {
    const { engine, calls, step } = setup(() => 'hang');
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec() }]);
    await step(600);
    await engine.stop();
    expect(calls[0].aborted()).toBe(true);
    expect(() => engine.setTargets([])).toThrow(expect.objectContaining({ name: 'HealthError', code: 'ESTOPPED' }));
  });

  it('a spec of a kind without a checker is refused with EKIND', () => {
    const { engine } = setup(() => ok());
    engine.setTargets([{ id: 'keep', address: '10.0.0.1', port: 80, spec: spec() }]);
    const http = checkSchema.parse({ type: 'http' });
    expect(() => engine.setTargets([{ id: 'x', address: '10.0.0.1', port: 80, spec: http }])).toThrow(
      expect.objectContaining({
        code: 'EKIND',
        message: expect.stringMatching(/no checker for kind "http" \(target x\)/),
      }),
    );
    expect(engine.stats()).toMatchObject({ targets: 1, probes: 1 }); // nothing changed
  });

  it('uses connect_ip/connect_port instead of the real server address', async () => {
    const { engine, calls, step } = setup(() => ok());
    engine.setTargets([
      { id: 'a', address: '10.0.0.1', port: 80, spec: spec({ connect_ip: '192.0.2.7', connect_port: 8081 }) },
    ]);
    await step(600);
    expect(calls[0].target).toMatchObject({
      address: '192.0.2.7',
      port: 8081,
      server: { address: '10.0.0.1', port: 80 },
    });
  });
});

describe('HealthEngine.checkNow', () => {
  it('probes at once instead of at the next interval, answers with the result, and restarts the schedule', async () => {
    const { engine, calls, step } = setup((_t, n) => (n === 2 ? bad('refused now') : ok()));
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ warmup: false, interval: '10s' }) }]);
    await step(100);
    expect(calls.map((c) => c.at)).toEqual([0]);
    const r = engine.checkNow('a');
    await step(20);
    expect(await r).toMatchObject({ ok: false, detail: 'refused now' });
    expect(calls.map((c) => c.at)).toEqual([0, 100]);
    await step(10_000);
    expect(calls.map((c) => c.at)).toEqual([0, 100, 10_100]);
    expect(await engine.checkNow('unknown')).toBeUndefined();
  });

  it('answers with a round this host failed (out of descriptors), which judges nothing', async () => {
    const local: ProbeResult = { ok: false, detail: 'socket EMFILE (local resource error)', local: true };
    const { engine, step } = setup((_t, n) => (n === 2 ? local : ok()));
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ warmup: false, interval: '10s' }) }]);
    await step(100);
    let answer: unknown = 'none yet';
    void engine.checkNow('a').then((r) => (answer = r));
    await step(20);
    expect(answer).toMatchObject({ ok: false, detail: local.detail });
    expect(engine.verdict('a')?.state).toBe('up');
  });
});

describe('HealthEngine metrics and stats', () => {
  it('exports probe durations, transitions, in-flight and scheduler lag', async () => {
    const registry = new Registry();
    const { engine, step } = setup(() => bad(), { metrics: new HealthMetrics(registry) });
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ fall: 1 }) }]);
    await step(2000);
    const text = await registry.metrics();
    expect(text).toMatch(/lvsd_probe_duration_seconds_count\{kind="tcp",target="10.0.0.1:80"\} 2/);
    expect(text).toMatch(/lvsd_health_transitions_total\{to="down"\} 1/);
    expect(text).toMatch(/lvsd_probes_in_flight 0/);
    expect(text).toMatch(/lvsd_scheduler_lag_seconds_count 2/);
  });

  it('counts rounds by kind and result: ok, failed, timeout', async () => {
    const registry = new Registry();
    // round 1 answers, round 2 fails, round 3 never answers (times out), round 4 answers
    const { engine, step } = setup((_t, n) => (n === 2 ? bad() : n === 3 ? 'hang' : ok()), {
      metrics: new HealthMetrics(registry),
    });
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ warmup: false }) }]);
    await step(3200);
    const text = await registry.metrics();
    expect(text).toMatch(/lvsd_probes_total\{kind="tcp",result="ok"\} 2\n/);
    expect(text).toMatch(/lvsd_probes_total\{kind="tcp",result="failed"\} 1\n/);
    expect(text).toMatch(/lvsd_probes_total\{kind="tcp",result="timeout"\} 1\n/);
  });

  it('reads the in-flight gauge from the engine when scraped', async () => {
    const registry = new Registry();
    const { engine, step } = setup(() => 'hang', { metrics: new HealthMetrics(registry) });
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ timeout: '900ms' }) }]);
    await step(600);
    expect(await registry.metrics()).toMatch(/lvsd_probes_in_flight 1/);
  });

  it('measures lag: timers that fire 30 ms late show as 30 ms p99', async () => {
    const clock = new ManualClock();
    // a clock whose timers fire 30 ms after they should, like an overloaded event loop
    const late = { now: () => clock.now(), setTimeout: (fn: () => void, ms: number) => clock.setTimeout(fn, ms + 30) };
    const fake = fakeChecker('tcp', () => ok());
    const engine = new HealthEngine({ clock: late, random: () => 0, checkers: new Map([['tcp', fake.checker]]) });
    engines.push(engine);
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec: spec({ warmup: false }) }]);
    expect(engine.stats().schedulerLagP99Ms).toBe(0);
    for (let i = 0; i < 300; i++) {
      clock.advance(10);
      await flush();
    }
    expect(fake.calls.length).toBe(3);
    expect(engine.stats().schedulerLagP99Ms).toBe(30);
  });
});

describe('HealthEngine attaches a large set over several clock turns', () => {
  function chunked(chunk: number) {
    const clock = new ManualClock();
    const fake = fakeChecker('tcp', () => ok());
    fake.setNow(() => clock.now());
    const engine = new HealthEngine({
      clock,
      random: () => 0,
      checkers: new Map([['tcp', fake.checker]]),
      wallClock: () => 1_700_000_000_000,
      attachChunk: chunk,
    });
    engines.push(engine);
    /** How many probes were attached when each probe call was made. */
    const attachedAtCall: number[] = [];
    fake.setNow(() => (attachedAtCall.push(engine.stats().probes), clock.now()));
    const targets = (ids: string[], over: Record<string, unknown> = {}) =>
      ids.map((id, i) => ({
        id,
        address: `10.0.0.${i + 1}`,
        port: 80,
        spec: spec({ warmup: false, initial: 'down', ...over }),
      }));
    return { clock, engine, calls: fake.calls, targets, attachedAtCall };
  }

  it('probes the first chunk before the rest is attached, and answers status for the rest with the initial state', async () => {
    const { clock, engine, calls, targets, attachedAtCall } = chunked(2);
    let attached = false;
    engine.setTargets(targets(['a', 'b', 'c', 'd', 'e']));
    void engine.whenAttached().then(() => (attached = true));
    expect(engine.stats()).toMatchObject({ targets: 5, probes: 2 });
    expect(engine.status('e')).toMatchObject({
      state: 'down',
      reason: 'initial state down until proven (alpha)',
      lastResults: [],
      probes: 0,
    });
    expect(engine.status('nope')).toBeUndefined();
    await flush();
    expect(attached).toBe(false);
    clock.advance(0); // due now: the first chunk's probes, then each further chunk one timer turn later
    await flush();
    expect(calls.map((c) => c.target.address)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']);
    expect(attachedAtCall).toEqual([2, 2, 4, 4, 5]);
    expect(attached).toBe(true);
    expect(engine.stats()).toMatchObject({ targets: 5, probes: 5 });
  });

  it('on the real event loop, probes due during a long attach start between its turns, not after it', async () => {
    const fake = fakeChecker('tcp', () => ok());
    let i = 0;
    const engine = new HealthEngine({
      clock: systemClock,
      random: () => (i++ % 1000) / 1000, // spread over the interval: some probes are due within ms
      checkers: new Map([['tcp', fake.checker]]),
      attachChunk: 64,
    });
    engines.push(engine);
    const attachedAtCall: number[] = [];
    fake.setNow(() => (attachedAtCall.push(engine.stats().probes), 0));
    const n = 40_000;
    const many = Array.from({ length: n }, (_, k) => ({
      id: `t${k}`,
      address: `10.${k >> 16}.${(k >> 8) & 255}.${k & 255}`,
      port: 80,
      spec: spec({ interval: '60s' }),
    }));
    engine.setTargets(many);
    await engine.whenAttached();
    await new Promise((r) => setTimeout(r, 20));
    expect(attachedAtCall.length).toBeGreaterThan(0);
    expect(attachedAtCall[0]).toBeLessThan(n / 2);
  });

  it('a second setTargets replaces the queue: targets no longer wanted are never probed, changed ones take the new spec', async () => {
    const { clock, engine, calls, targets } = chunked(2);
    engine.setTargets(targets(['a', 'b', 'c', 'd', 'e']));
    const next = targets(['a', 'b', 'c', 'd']);
    next[3] = { ...next[3]!, spec: spec({ warmup: false, initial: 'up' }) };
    engine.setTargets(next.slice(0, 2).concat(next[3]!)); // c and e dropped while pending, d changed
    expect(engine.status('c')).toBeUndefined();
    expect(engine.status('d')).toMatchObject({ state: 'up' });
    for (let i = 0; i < 4; i++) clock.advance(0);
    await flush();
    expect(calls.map((c) => c.target.address).sort()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.4']);
    expect(engine.stats()).toMatchObject({ targets: 3, probes: 3 });
  });

  it('a pending target that will share a running probe answers status with that probe', async () => {
    const { clock, engine, targets } = chunked(1);
    const [a, b] = targets(['a', 'b']);
    engine.setTargets([a!]);
    clock.advance(0);
    await flush();
    expect(engine.status('a')).toMatchObject({ probes: 1, lastResults: [{ ok: true }] });
    engine.setTargets([a!, { ...b!, id: 'z' }, { ...a!, id: 'a2' }]); // z is attached now, a2 (same probe as a) waits a turn
    expect(engine.stats()).toMatchObject({ targets: 3, probes: 2 });
    expect(engine.status('a2')).toMatchObject({ probes: 1, lastResults: [{ ok: true }] });
  });

  it('stop() while targets are pending attaches nothing more and releases whenAttached', async () => {
    const { clock, engine, calls, targets } = chunked(1);
    engine.setTargets(targets(['a', 'b', 'c']));
    const waiting = engine.whenAttached();
    await engine.stop();
    await waiting;
    for (let i = 0; i < 3; i++) clock.advance(1000);
    await flush();
    expect(calls.length).toBe(0); // a was attached but due "now"; stop() came before the clock moved
    expect(engine.status('c')).toBeUndefined();
  });
});
