import { describe, expect, it } from 'vitest';
import { decodeAdvert, REJECT_REASONS, type Expectation } from '../../../src/vrrp/packet.js';
import { parseIpv4 } from '../../../src/vrrp/ip.js';
import { ethertype, goldenFrames } from './golden.js';

/** xorshift32: deterministic, so a failure is reproducible from the printed iteration. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const seeds = ['g_v2', 'g_v2u', 'g_v3', 'g_v3f', 'g_v3u'].flatMap((n) =>
  goldenFrames(n)
    .filter((f) => ethertype(f) === 0x0800)
    .slice(0, 3)
    .map((f) => ({ v: n.startsWith('g_v2') ? 2 : 3, ip: f.bytes.subarray(14) })),
);

function mutate(r: () => number, b: Buffer): Buffer {
  const m = Buffer.from(b);
  const kind = r() % 4;
  if (kind === 0) return m.subarray(0, r() % (m.length + 1));
  if (kind === 1)
    return Buffer.concat([m, Buffer.from([r() & 0xff, r() & 0xff, r() & 0xff, r() & 0xff]).subarray(0, 1 + (r() % 4))]);
  const flips = 1 + (r() % 3);
  for (let i = 0; i < flips; i++) m[r() % m.length] = kind === 2 ? r() & 0xff : m[r() % m.length]! ^ (1 << (r() % 8));
  return m;
}

describe('decoder fuzz (10^6 mutated keepalived adverts)', () => {
  it('never throws; every rejection carries a known reason; mutations are mostly caught', () => {
    const r = rng(0x5eed);
    const reasons = new Map<string, number>();
    let accepted = 0;
    const N = 1_000_000;
    const known = new Set<string>(REJECT_REASONS);
    for (let i = 0; i < N; i++) {
      const seed = seeds[i % seeds.length]!;
      const pkt = mutate(r, seed.ip);
      const ip = parseIpv4(pkt);
      if (!ip.ok) {
        reasons.set(ip.reason, (reasons.get(ip.reason) ?? 0) + 1);
        continue;
      }
      const exp: Expectation = {
        family: 4,
        version: seed.v as 2 | 3,
        vrid: 51,
        multicast: ip.dst === '224.0.0.18' || r() % 2 === 0,
        intervalCs: seed.v === 2 ? 100 : undefined,
        peers: ['10.99.0.11', '10.99.0.12'],
      };
      let res;
      try {
        res = decodeAdvert(ip.payload, ip, exp);
      } catch (e) {
        throw new Error(`iteration ${i}: decodeAdvert threw ${String(e)} on ${pkt.toString('hex')}`);
      }
      if (res.ok) accepted++;
      else {
        if (!known.has(res.reason)) throw new Error(`iteration ${i}: unknown reason ${String(res.reason)}`);
        reasons.set(res.reason, (reasons.get(res.reason) ?? 0) + 1);
      }
    }
    const rejected = [...reasons.values()].reduce((a, b) => a + b, 0);
    expect(accepted + rejected).toBe(N);
    expect(rejected).toBeGreaterThan(N * 0.5);
    for (const must of ['checksum', 'length', 'ip-header', 'vrid', 'version', 'ttl'])
      expect(reasons.get(must) ?? 0).toBeGreaterThan(0);
  });
});
