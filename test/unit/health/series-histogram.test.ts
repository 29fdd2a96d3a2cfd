import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, operatorSetHeapGrowth } from '../../../src/health/heap-tuning.js';
import { SeriesHistogram } from '../../../src/health/series-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1];

/** The metric lines of `reg` without HELP/TYPE, sorted (label order inside a line kept). */
async function lines(reg: Registry): Promise<string[]> {
  return (await reg.metrics())
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .sort();
}

describe('SeriesHistogram', () => {
  it('prints the same counts as a prom-client Histogram fed the same observations', async () => {
    const mine = new Registry();
    const theirs = new Registry();
    const h = new SeriesHistogram('d_seconds', 'd', BUCKETS, mine);
    const ref = new Histogram({
      name: 'd_seconds',
      help: 'd',
      labelNames: ['kind', 'target'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    const obs: Array<[string, string, number]> = [
      ['tcp', 'a', 0.0005],
      ['tcp', 'a', 0.001],
      ['tcp', 'a', 0.05],
      ['http', 'b', 7],
      ['tcp', 'a', 0.2],
    ];
    for (const [kind, target, v] of obs) {
      h.observe(h.series(kind, target), v);
      ref.observe({ kind, target }, v);
    }
    const norm = (l: string): string => l.replace(/le="([^"]+)",(.*)\}/, '$2,le="$1"}');
    expect((await lines(mine)).map(norm).sort()).toEqual((await lines(theirs)).map(norm).sort());
    expect(await lines(mine)).toContain('d_seconds_count{kind="tcp",target="a"} 4');
  });

  it('keeps one series per (kind, target) across growth and zeroes them on reset', async () => {
    const reg = new Registry();
    const h = new SeriesHistogram('x_seconds', 'x', BUCKETS, reg);
    const ids = Array.from({ length: 100 }, (_, i) => h.series('tcp', `t${i}`));
    expect(h.series('tcp', 't42')).toBe(ids[42]);
    for (const id of ids) h.observe(id, 0.005);
    h.observe(ids[99], 0.005);
    expect(await lines(reg)).toContain('x_seconds_count{kind="tcp",target="t99"} 2');
    expect(await lines(reg)).toContain('x_seconds_bucket{le="0.001",kind="tcp",target="t0"} 0');
    reg.resetMetrics();
    expect(await lines(reg)).toContain('x_seconds_count{kind="tcp",target="t99"} 0');
  });

  it('unlabeled, prints what a prom-client Histogram without labels prints', async () => {
    const mine = new Registry();
    const theirs = new Registry();
    const h = new SeriesHistogram('lag_seconds', 'lag', BUCKETS, mine, false);
    const ref = new Histogram({ name: 'lag_seconds', help: 'lag', buckets: BUCKETS, registers: [theirs] });
    const id = h.series('', '');
    expect(await mine.metrics()).toBe(await theirs.metrics());
    for (const v of [0.0005, 0.02, 3]) {
      h.observe(id, v);
      ref.observe(v);
    }
    expect(await mine.metrics()).toBe(await theirs.metrics());
  });

  it('moves counts between instances: drain() zeroes, addRaw() adds them to a series', async () => {
    const from = new SeriesHistogram('m_seconds', 'm', BUCKETS, undefined);
    const reg = new Registry();
    const to = new SeriesHistogram('m_seconds', 'm', BUCKETS, reg);
    const direct = new Registry();
    const ref = new SeriesHistogram('m_seconds', 'm', BUCKETS, direct);
    for (const [kind, target, v] of [
      ['tcp', 'a', 0.002],
      ['http', 'b', 0.5],
      ['tcp', 'a', 0.0001],
    ] as const) {
      from.observe(from.series(kind, target), v);
      ref.observe(ref.series(kind, target), v);
    }
    const labels = from.labelsFrom(0);
    const data = from.drain();
    labels.forEach((l, i) => to.addRaw(to.series(l.kind, l.target), data, i * from.width));
    expect(await reg.metrics()).toBe(await direct.metrics());
    expect(from.drain().every((x) => x === 0)).toBe(true);
    expect(from.labelsFrom(2)).toEqual([]);
  });

  it('refuses a second metric of the same name on one registry', () => {
    const reg = new Registry();
    new SeriesHistogram('y_seconds', 'y', BUCKETS, reg);
    expect(() => new SeriesHistogram('y_seconds', 'y', BUCKETS, reg)).toThrow(/already been registered/);
  });
});

describe('operatorSetHeapGrowth', () => {
  it('sees the flag in node argv or NODE_OPTIONS, in either spelling, and nothing else', () => {
    expect(operatorSetHeapGrowth(['--heap-growing-percent=50'], undefined)).toBe(true);
    expect(operatorSetHeapGrowth([], '--max-old-space-size=100 --heap_growing_percent=10')).toBe(true);
    expect(operatorSetHeapGrowth(['--heap-growing-percentage=5', '--trace-gc'], '--heap-growing')).toBe(false);
    expect(HEAP_GROWING_PERCENT).toBeGreaterThan(0);
  });
});
