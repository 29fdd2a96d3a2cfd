/** Per-destination series rendered as Prometheus text without prom-client children. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DestSnapshot,
  destSeriesPieces,
  escapeLabelValue,
  renderDestSeries,
} from '../../../src/metrics/dest-series.js';

const stats = {
  conns: 42n,
  inpkts: 10n,
  outpkts: 9n,
  inbytes: 1000n,
  outbytes: 2000n,
  cps: 0n,
  inpps: 0n,
  outpps: 0n,
  inbps: 0n,
  outbps: 0n,
};

describe('renderDestSeries', () => {
  it('writes HELP and TYPE once per family and one line per destination that has the value', () => {
    const t = renderDestSeries([
      {
        vs: 'web',
        rs: '10.0.0.2:80',
        configuredWeight: 100,
        weight: 0,
        up: false,
        drained: false,
        active: 3,
        inactive: 1,
        stats,
      },
      { vs: 'web', rs: '[2001:db8::1]:80', configuredWeight: 50, up: true, drained: true },
    ]);
    const lines = t.trimEnd().split('\n');
    expect(lines.filter((l) => l === '# TYPE lvsd_destination_weight gauge')).toHaveLength(1);
    expect(lines).toContain('# TYPE lvsd_ipvs_bytes_total counter');
    expect(lines.filter((l) => l.startsWith('lvsd_destination_weight{'))).toEqual([
      'lvsd_destination_weight{vs="web",rs="10.0.0.2:80"} 0',
    ]);
    expect(lines).toContain('lvsd_destination_configured_weight{vs="web",rs="[2001:db8::1]:80"} 50');
    expect(lines).toContain('lvsd_destination_drained{vs="web",rs="[2001:db8::1]:80"} 1');
    expect(lines).toContain('lvsd_ipvs_connections_total{vs="web",rs="10.0.0.2:80"} 42');
    expect(lines).toContain('lvsd_ipvs_packets_total{vs="web",rs="10.0.0.2:80",direction="in"} 10');
    expect(lines).toContain('lvsd_ipvs_bytes_total{vs="web",rs="10.0.0.2:80",direction="out"} 2000');
    expect(lines.filter((l) => l.includes('[2001:db8::1]') && l.startsWith('lvsd_ipvs_'))).toEqual([]);
  });

  it('keeps the families (HELP/TYPE only) when there is no destination', () => {
    const t = renderDestSeries([]);
    expect(t.split('\n').filter((l) => l.startsWith('# TYPE'))).toHaveLength(9);
    expect(t.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([]);
  });

  it('escapes backslash, double quote and newline in label values', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(
      renderDestSeries([{ vs: 'x"y', rs: '1.2.3.4:80', configuredWeight: 1, up: true, drained: false }]),
    ).toContain('lvsd_destination_up{vs="x\\"y",rs="1.2.3.4:80"} 1');
  });
});

describe('destSeriesPieces', () => {
  const big = (n: bigint) => fc.bigInt({ min: 0n, max: n });
  const dest: fc.Arbitrary<DestSnapshot> = fc.record(
    {
      vs: fc.string({ maxLength: 6 }),
      rs: fc.string({ maxLength: 6 }),
      configuredWeight: fc.nat(65535),
      weight: fc.option(fc.nat(65535), { nil: undefined }),
      up: fc.boolean(),
      drained: fc.boolean(),
      active: fc.option(fc.nat(), { nil: undefined }),
      inactive: fc.option(fc.nat(), { nil: undefined }),
      stats: fc.option(
        fc.record({
          conns: big(2n ** 64n),
          inpkts: big(2n ** 64n),
          outpkts: big(2n ** 64n),
          inbytes: big(2n ** 64n),
          outbytes: big(2n ** 64n),
          cps: big(100n),
          inpps: big(100n),
          outpps: big(100n),
          inbps: big(100n),
          outbps: big(100n),
        }),
        { nil: undefined },
      ),
    },
    { requiredKeys: ['vs', 'rs', 'configuredWeight', 'up', 'drained'] },
  );

  it('joined, the pieces are renderDestSeries exactly, for any snapshot and piece size', () => {
    fc.assert(
      fc.property(fc.array(dest, { maxLength: 40 }), fc.integer({ min: 1, max: 50 }), (snap, per) => {
        expect([...destSeriesPieces(snap, per)].join('')).toBe(renderDestSeries(snap));
      }),
    );
  });

  it('a piece holds at most `per` destinations of one family', () => {
    const snap = Array.from({ length: 10 }, (_, i) => ({
      vs: 'v',
      rs: `10.0.0.${i}:80`,
      configuredWeight: 1,
      up: true,
      drained: false,
    }));
    const pieces = [...destSeriesPieces(snap, 4)];
    const lines = (p: string) => p.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(Math.max(...pieces.map((p) => lines(p).length))).toBe(4);
    expect(pieces.every((p) => new Set(lines(p).map((l) => l.split('{')[0])).size <= 1)).toBe(true);
  });
});
