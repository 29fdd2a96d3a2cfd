/**
 * Forged and mismatched adverts the codec must drop, each with its own reason (issue 12, defects 3
 * and 4 and their kind). Every packet here has a valid checksum: only the field under test is wrong.
 */
import { describe, expect, it } from 'vitest';
import { decodeAdvert, encodeAdvert, type Advert, type Expectation } from '../../../src/vrrp/packet.js';

const GROUP = '224.0.0.18';
const MASTER = '10.0.0.1';
const meta = (src = MASTER, dst = GROUP) => ({ src, dst, ttl: 255 });
const exp: Expectation = {
  family: 4,
  version: 3,
  vrid: 51,
  multicast: true,
  addresses: ['10.0.0.50', '10.0.0.51'],
  self: '10.0.0.2',
};
const good: Advert = { version: 3, vrid: 51, priority: 150, intervalCs: 100, addresses: ['10.0.0.50', '10.0.0.51'] };
const decode = (a: Partial<Advert>, m = meta(), e = exp) =>
  decodeAdvert(encodeAdvert({ ...good, ...a }, m.src, m.dst), m, e);

describe('interval', () => {
  it('a v3 advert with interval 0 is rejected as interval-zero (keepalived: 10 ms is the least it sends)', () => {
    expect(decode({ intervalCs: 0 })).toMatchObject({ ok: false, reason: 'interval-zero' });
  });
  it('the 10 ms minimum itself and the 12-bit maximum are accepted', () => {
    expect(decode({ intervalCs: 1 }).ok).toBe(true);
    expect(decode({ intervalCs: 4095 }).ok).toBe(true);
  });
});

describe('address list (keepalived <= 2.3.2: dropped; counted as addr_list_err)', () => {
  it('another count of addresses is rejected as address-count', () => {
    expect(decode({ addresses: ['10.0.0.50'] })).toMatchObject({ ok: false, reason: 'address-count' });
    const many = Array.from({ length: 255 }, (_, i) => `192.0.2.${i}`);
    expect(decode({ addresses: many })).toMatchObject({ ok: false, reason: 'address-count' });
  });
  it('the same count with an address of ours missing is rejected as address-list, naming it', () => {
    const r = decode({ addresses: ['10.0.0.50', '192.0.2.7'] });
    expect(r).toMatchObject({ ok: false, reason: 'address-list' });
    expect(!r.ok && r.detail).toContain('10.0.0.51');
  });
  it('order does not matter; priority 255 gets no exception (an attacker would claim it)', () => {
    expect(decode({ addresses: ['10.0.0.51', '10.0.0.50'] }).ok).toBe(true);
    expect(decode({ priority: 255, addresses: ['10.0.0.50', '192.0.2.7'] })).toMatchObject({ reason: 'address-list' });
  });
  it('IPv6 addresses compare as addresses, not as text', () => {
    const m6 = { src: 'fe80::1', dst: 'ff02::12', ttl: 255 };
    const e6: Expectation = { family: 6, version: 3, vrid: 51, multicast: true, addresses: ['2001:db8::50'] };
    const msg = encodeAdvert({ ...good, addresses: ['2001:0db8:0:0::50'] }, m6.src, m6.dst);
    expect(decodeAdvert(msg, m6, e6).ok).toBe(true);
  });
});

describe('source', () => {
  it('an advert carrying our own address as source is rejected as own-address', () => {
    expect(decode({}, meta('10.0.0.2'))).toMatchObject({ ok: false, reason: 'own-address' });
  });
  it('a multicast, broadcast or unspecified source is rejected as source', () => {
    for (const src of ['224.0.0.5', '255.255.255.255', '0.0.0.0'])
      expect(decode({}, meta(src)), src).toMatchObject({ ok: false, reason: 'source' });
  });
  it('unicast: a source that is not a configured peer is rejected as source', () => {
    const u: Expectation = { ...exp, multicast: false, peers: ['10.0.0.1'] };
    expect(decode({}, meta('10.0.0.9', '10.0.0.2'), u)).toMatchObject({ ok: false, reason: 'source' });
    expect(decode({}, meta('10.0.0.1', '10.0.0.2'), u).ok).toBe(true);
  });
});
