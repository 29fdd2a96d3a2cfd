import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { runArgv } from '../../../src/vrrp/hooks.js';
import type { InstanceStatus } from '../../../src/vrrp/instance.js';
import { vrrpMetrics } from '../../../src/vrrp/metrics.js';

const dir = mkdtempSync(join(tmpdir(), 'lvsd-hooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('notify hooks (argv, no shell)', () => {
  it('passes argv literally (no shell expansion) and the state in the environment', async () => {
    const out = join(dir, 'env.json');
    const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(1), s: process.env.LVSD_VRRP_STATE, i: process.env.LVSD_VRRP_INSTANCE }))`;
    const r = await runArgv(
      [process.execPath, '-e', script, '$HOME', '`id`'],
      { LVSD_VRRP_STATE: 'MASTER', LVSD_VRRP_INSTANCE: 'VI_1' },
      5000,
    );
    expect(r).toMatchObject({ ok: true, code: 0, timedOut: false });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ argv: ['$HOME', '`id`'], s: 'MASTER', i: 'VI_1' });
  });
  it('kills a hook at the timeout and reports it', async () => {
    const t0 = Date.now();
    const r = await runArgv([process.execPath, '-e', 'setTimeout(() => {}, 10000)'], {}, 200);
    expect(r).toMatchObject({ ok: false, timedOut: true, signal: 'SIGKILL' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });
  it('a missing program is reported, not thrown', async () => {
    const r = await runArgv(['/nonexistent/hook'], {}, 1000);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/ENOENT/);
  });
  it('a non-zero exit is not ok', async () => {
    expect((await runArgv([process.execPath, '-e', 'process.exit(3)'], {}, 5000)).code).toBe(3);
  });
});

describe('metrics', () => {
  it('exposes state, priorities, advert counters by reason and transitions', async () => {
    const reg = new Registry();
    const st: InstanceStatus = {
      name: 'VI_1',
      state: 'MASTER',
      priority: 150,
      effectivePriority: 90,
      since: 0,
      reason: 'x',
      advertsSent: 12,
      advertsReceived: 3,
      rejected: { ttl: 2, checksum: 1 },
    };
    const m = vrrpMetrics(reg, () => [st]);
    m.transition('VI_1', 'MASTER');
    vrrpMetrics(reg, () => [st]); // a second registration on the same registry reuses the metrics
    const text = await reg.metrics();
    expect(text).toContain('lvsd_vrrp_state{instance="VI_1"} 2');
    expect(text).toContain('lvsd_vrrp_priority{instance="VI_1",kind="effective"} 90');
    expect(text).toContain('lvsd_vrrp_adverts_sent_total{instance="VI_1"} 12');
    expect(text).toContain('lvsd_vrrp_adverts_rejected_total{instance="VI_1",reason="ttl"} 2');
    expect(text).toContain('lvsd_vrrp_transitions_total{instance="VI_1",to="MASTER"} 1');
  });
});
