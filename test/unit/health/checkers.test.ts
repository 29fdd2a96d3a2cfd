import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { describeError, endpoint } from '../../../src/health/checker.js';
import { answerTexts, judgeReply } from '../../../src/health/dns.js';
import { HealthMetrics } from '../../../src/health/metrics.js';
import { createCheckers } from '../../../src/health/registry.js';
import { checkKinds, checkSchema } from '../../../src/health/schema.js';
import { exitResult } from '../../../src/health/script.js';

describe('checker helpers', () => {
  it('endpoint brackets IPv6', () => {
    expect(endpoint('10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(endpoint('2001:db8::1', 443)).toBe('[2001:db8::1]:443');
  });
  it('describeError prefers errno codes, also from a cause', () => {
    expect(describeError('connect', Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(
      'connect ECONNREFUSED',
    );
    expect(
      describeError(
        'HTTP',
        new Error('fetch failed', { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) }),
      ),
    ).toBe('HTTP ECONNRESET');
    expect(describeError('TLS', Object.assign(new Error('bad name'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toBe(
      'TLS ERR_TLS_CERT_ALTNAME_INVALID: bad name',
    );
    expect(describeError('x', 'boom')).toBe('x failed: boom');
  });
});

describe('registry', () => {
  it('has one checker per schema kind', () => {
    const c = createCheckers();
    expect([...c.keys()].sort()).toEqual([...checkKinds].sort());
    for (const k of checkKinds) expect(c.get(k)!.kind).toBe(k);
    for (const x of new Set(c.values())) x.close?.();
  });
});

describe('dns judgement', () => {
  const spec = (o: Record<string, unknown> = {}) =>
    checkSchema.parse({ type: 'dns', name: 'www.x.test', ...o }) as Extract<
      ReturnType<typeof checkSchema.parse>,
      { type: 'dns' }
    >;
  const a = (data: string) => ({ type: 'A' as const, name: 'www.x.test', data });
  it('NOERROR with an answer is up; NXDOMAIN, SERVFAIL and empty answers are down', () => {
    expect(judgeReply({ type: 'response', rcode: 'NOERROR', answers: [a('10.1.2.3')] }, spec(), 'S')).toEqual({
      ok: true,
      detail: 'DNS NOERROR for A www.x.test from S (1 answer)',
    });
    expect(judgeReply({ type: 'response', rcode: 'NXDOMAIN', answers: [] }, spec(), 'S')).toEqual({
      ok: false,
      detail: 'DNS NXDOMAIN for A www.x.test from S',
    });
    expect(judgeReply({ type: 'response', rcode: 'SERVFAIL' }, spec(), 'S').detail).toBe(
      'DNS SERVFAIL for A www.x.test from S',
    );
    expect(judgeReply({ type: 'response', rcode: 'NOERROR', answers: [] }, spec(), 'S')).toEqual({
      ok: false,
      detail: 'DNS NOERROR but no A answer for www.x.test from S',
    });
  });
  it('expect_answer must match one answer', () => {
    const r = judgeReply(
      { type: 'response', rcode: 'NOERROR', answers: [a('10.1.2.3'), a('10.1.2.4')] },
      spec({ expect_answer: '10.1.2.4' }),
      'S',
    );
    expect(r.ok).toBe(true);
    expect(
      judgeReply(
        { type: 'response', rcode: 'NOERROR', answers: [a('10.1.2.3')] },
        spec({ expect_answer: '10.9.9.9' }),
        'S',
      ).detail,
    ).toBe('DNS answers for A www.x.test from S do not include "10.9.9.9" (got 10.1.2.3)');
  });
  it('renders record data for comparison', () => {
    expect(answerTexts({ type: 'TXT', data: [Buffer.from('v=1'), Buffer.from(';x')] })).toEqual(['v=1;x']);
    expect(answerTexts({ type: 'SRV', data: { priority: 1, weight: 5, port: 80, target: 's.x' } })).toEqual([
      's.x',
      '1 5 80 s.x',
    ]);
    expect(answerTexts({ type: 'MX', data: { preference: 10, exchange: 'mx.x' } })).toEqual(['mx.x', '10 mx.x']);
    expect(answerTexts({ type: 'SOA', data: { mname: 'ns.x' } })).toEqual(['ns.x']);
    expect(answerTexts({ type: 'NULL', data: 42 })).toEqual([]);
  });
});

describe('script exit codes', () => {
  it('plain: 0 up, anything else down, killed by a signal down', () => {
    expect(exitResult(0, null, false, '')).toEqual({ ok: true, detail: 'script exited 0' });
    expect(exitResult(2, null, false, 'db down\n')).toEqual({ ok: false, detail: 'script exited 2: db down' });
    expect(exitResult(null, 'SIGSEGV', false, '')).toEqual({ ok: false, detail: 'script killed by SIGSEGV' });
  });
  it('dynamic (keepalived misc_dynamic): 0 up unchanged, 1 down, 2..255 up with weight code-2', () => {
    expect(exitResult(0, null, true, '')).toEqual({ ok: true, detail: 'script exited 0' });
    expect(exitResult(1, null, true, '')).toEqual({ ok: false, detail: 'script exited 1' });
    expect(exitResult(2, null, true, '')).toEqual({ ok: true, detail: 'script exited 2 (weight 0)', weight: 0 });
    expect(exitResult(255, null, true, '')).toMatchObject({ ok: true, weight: 253 });
  });
});

describe('HealthMetrics', () => {
  it('drops the target label when perTarget is false', async () => {
    const reg = new Registry();
    const m = new HealthMetrics(reg, { perTarget: false });
    m.observeProbe('tcp', '10.0.0.1:80', 12);
    m.observeProbe('tcp', '10.0.0.2:80', 12);
    expect(await reg.metrics()).toMatch(/lvsd_probe_duration_seconds_count\{kind="tcp",target=""\} 2/);
  });
  it('registers exactly the five documented metrics', async () => {
    const reg = new Registry();
    new HealthMetrics(reg);
    expect(
      reg
        .getMetricsAsArray()
        .map((x) => x.name)
        .sort(),
    ).toEqual([
      'lvsd_health_transitions_total',
      'lvsd_probe_duration_seconds',
      'lvsd_probes_in_flight',
      'lvsd_probes_total',
      'lvsd_scheduler_lag_seconds',
    ]);
  });
});
