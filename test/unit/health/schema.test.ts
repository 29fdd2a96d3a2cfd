import { describe, expect, it } from 'vitest';
import { checkKinds, checkSchema, mergeCheck } from '../../../src/health/schema.js';
import { durationSchema, formatDuration, parseDuration } from '../../../src/util/duration.js';

/** Parses and returns the issues as "path: message" strings. */
function issues(input: unknown): string[] {
  const r = checkSchema.safeParse(input);
  if (r.success) return [];
  return r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('parseDuration', () => {
  it.each([
    ['1s', 1000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['0s', 0],
    ['0', 0],
    ['1.5s', 1500],
    ['1d', 86_400_000],
  ])('%s → %d ms', (s, ms) => expect(parseDuration(s)).toBe(ms));

  it.each(['', '1', '-1s', '1x', '1s junk', 's', '1 s', 'abc'])('rejects %j naming the text', (s) => {
    expect(() => parseDuration(s)).toThrow(new RegExp(`got "${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
  });

  it('formats back', () => {
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(250)).toBe('250ms');
  });

  it('durationSchema rejects numbers and bad strings with a clear message', () => {
    expect(durationSchema.parse('2s')).toBe(2000);
    const r = durationSchema.safeParse(5);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toBe('expected a duration like "1s" or "500ms", got 5');
    expect(durationSchema.safeParse('5 sec').error?.issues[0].message).toBe(
      'expected a duration like "1s" or "500ms", got "5 sec"',
    );
  });
});

describe('checkSchema', () => {
  it('fills defaults', () => {
    const s = checkSchema.parse({ type: 'tcp' });
    expect(s).toMatchObject({
      type: 'tcp',
      interval: 2000,
      timeout: 1000,
      rise: 2,
      fall: 3,
      initial: 'up',
      warmup: true,
      retries: 0,
    });
    const h = checkSchema.parse({ type: 'http', interval: '500ms' });
    expect(h).toMatchObject({
      timeout: 500,
      path: '/',
      method: 'GET',
      expect_status: [[200, 399]],
      max_body_bytes: 65536,
      follow_redirects: 0,
    });
  });

  it('lists every kind', () => {
    expect([...checkKinds]).toEqual(['tcp', 'http', 'https', 'icmp', 'udp', 'dns', 'script']);
    for (const k of checkKinds) {
      const extra = k === 'dns' ? { name: 'x.test' } : k === 'script' ? { command: ['/bin/true'] } : {};
      expect(checkSchema.safeParse({ type: k, ...extra }).success).toBe(true);
    }
  });

  it('rejects an unknown kind and a missing type', () => {
    expect(issues({ type: 'smtp' })).toEqual([
      'type: unknown check type "smtp": expected one of tcp, http, https, icmp, udp, dns, script',
    ]);
    expect(issues({})[0]).toMatch(/^type: check needs a type/);
  });

  it('rejects an invalid regex with its key path', () => {
    expect(issues({ type: 'http', expect_body: 'a(b' })[0]).toMatch(/^expect_body: invalid regular expression/);
    expect(issues({ type: 'tcp', expect: '[' })[0]).toMatch(/^expect: invalid regular expression/);
    expect(issues({ type: 'udp', expect: '*x' })[0]).toMatch(/^expect: invalid regular expression/);
  });

  it('parses status ranges and rejects bad ones with the index', () => {
    expect(checkSchema.parse({ type: 'http', expect_status: ['200-299', 404, '500'] })).toMatchObject({
      expect_status: [
        [200, 299],
        [404, 404],
        [500, 500],
      ],
    });
    expect(checkSchema.parse({ type: 'http', expect_status: 204 })).toMatchObject({ expect_status: [[204, 204]] });
    expect(issues({ type: 'http', expect_status: ['299-200'] })).toEqual([
      'expect_status.0: bad status range "299-200": start is after end',
    ]);
    expect(issues({ type: 'http', expect_status: ['200', '99'] })[0]).toMatch(/^expect_status\.1: bad status "99"/);
    expect(issues({ type: 'http', expect_status: ['2xx'] })[0]).toMatch(/^expect_status\.0: bad status "2xx"/);
    expect(issues({ type: 'https', expect_status: [700] })[0]).toMatch(
      /^expect_status\.0: bad status "700": codes are 100-599/,
    );
    expect(issues({ type: 'http', expect_status: [] })[0]).toMatch(/^expect_status: expect_status must not be empty/);
  });

  it('rejects bad durations with the key path', () => {
    expect(issues({ type: 'tcp', interval: '5 seconds' })).toEqual([
      'interval: expected a duration like "1s" or "500ms", got "5 seconds"',
    ]);
    expect(issues({ type: 'tcp', timeout: 3 })).toEqual(['timeout: expected a duration like "1s" or "500ms", got 3']);
    expect(issues({ type: 'tcp', retry_delay: 'soon' })[0]).toMatch(/^retry_delay: expected a duration/);
  });

  it('enforces timeout ≤ interval, interval > 0, rise/fall ≥ 1', () => {
    expect(issues({ type: 'tcp', interval: '1s', timeout: '2s' })).toEqual([
      'timeout: timeout (2s) must not exceed interval (1s)',
    ]);
    expect(issues({ type: 'tcp', interval: '0s' })).toContain('interval: interval must be more than 0');
    expect(issues({ type: 'tcp', rise: 0 })).toEqual(['rise: rise must be at least 1']);
    expect(issues({ type: 'tcp', fall: 0 })).toEqual(['fall: fall must be at least 1']);
    expect(issues({ type: 'tcp', rise: 1.5 })[0]).toMatch(/^rise:/);
    expect(issues({ type: 'tcp', initial: 'maybe' })[0]).toMatch(/^initial:/);
  });

  it('rejects unknown keys, naming them', () => {
    const r = checkSchema.safeParse({ type: 'http', pth: '/x' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['pth'] });
    expect(checkSchema.safeParse({ type: 'icmp', connect_port: 80 }).error?.issues[0]).toMatchObject({
      keys: ['connect_port'],
    });
    expect(checkSchema.safeParse({ type: 'http', sni: 'x' }).error?.issues[0]).toMatchObject({ keys: ['sni'] });
  });

  it('validates addresses, ports, hex, digests, dns types, script argv', () => {
    expect(issues({ type: 'tcp', connect_ip: '10.0.0.300' })[0]).toMatch(
      /^connect_ip: expected an IPv4 or IPv6 address/,
    );
    expect(issues({ type: 'tcp', connect_port: 70000 })[0]).toMatch(/^connect_port:/);
    expect(issues({ type: 'tcp', bindto: 'fe80::zz' })[0]).toMatch(/^bindto:/);
    expect(issues({ type: 'tcp', send_hex: 'abc' })[0]).toMatch(/^send_hex: expected hex bytes/);
    expect(issues({ type: 'tcp', send: 'a', send_hex: '00' })).toEqual([
      'send_hex: use either send or send_hex, not both',
    ]);
    expect(issues({ type: 'http', expect_digest: 'abc' })[0]).toMatch(
      /^expect_digest: expect_digest must be a hex digest of the body: MD5 \(32 digits/,
    );
    expect(issues({ type: 'dns', name: 'a', query_type: 'XX' })[0]).toMatch(/^query_type:/);
    expect(issues({ type: 'dns' })[0]).toMatch(/^name:/);
    expect(issues({ type: 'script', command: [] })).toEqual(['command: command needs at least the program path']);
    expect(checkSchema.parse({ type: 'tcp', send_hex: '0A ff' })).toMatchObject({ send_hex: '0aff' });
    expect(checkSchema.parse({ type: 'https', follow_redirects: true })).toMatchObject({
      follow_redirects: 5,
      tls_verify: true,
    });
  });
});

describe('mergeCheck', () => {
  const base = { type: 'http', path: '/healthz', headers: { a: '1' }, rise: 3 };
  it('overrides key by key for the same type', () => {
    expect(mergeCheck(base, { rise: 1 })).toEqual({ type: 'http', path: '/healthz', headers: { a: '1' }, rise: 1 });
    expect(mergeCheck(base, { type: 'http', headers: { b: '2' } })).toEqual({
      type: 'http',
      path: '/healthz',
      headers: { b: '2' },
      rise: 3,
    });
  });
  it('replaces the whole block when the type differs', () => {
    expect(mergeCheck(base, { type: 'tcp' })).toEqual({ type: 'tcp' });
  });
  it('handles missing sides and non-tables', () => {
    expect(mergeCheck(undefined, { type: 'tcp' })).toEqual({ type: 'tcp' });
    expect(mergeCheck(base, undefined)).toBe(base);
    expect(mergeCheck(base, 'tcp')).toBe('tcp');
    expect(mergeCheck(base, { rise: 1 })).not.toBe(base);
  });
});
