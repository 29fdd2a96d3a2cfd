import { afterEach, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { Lab } from './lab.js';
import { failover } from './scenario.js';

describe.skipIf(!hasRoot('host: VRRP unicast interop'))('VRRP unicast: lvsd ↔ lvsd and lvsd ↔ keepalived', () => {
  let lab: Lab | undefined;
  afterEach(() => lab?.close());

  it('lvsd ↔ lvsd, v3 0.1 s unicast: crash failover; the restarted node with nopreempt stays BACKUP', async () => {
    lab = new Lab('vu1');
    const vips = [`${lab.net}.60/24`];
    const [a, b] = [lab.routers[0]!.addr, lab.routers[1]!.addr];
    await failover(
      lab,
      { kind: 'lvsd', inst: { vrid: 61, priority: 150, version: 3, intervalMs: 100, vips, peers: [b] } },
      { kind: 'lvsd', inst: { vrid: 61, priority: 100, version: 3, intervalMs: 100, vips, peers: [a] } },
      { stop: 'SIGKILL', preemptBack: false },
    );
    const st = await lab.status(0);
    expect(st.state).toBe('BACKUP');
    expect(st.masterIp).toBe(b);
  });

  it('v2 1 s unicast with PASS: lvsd master stops (SIGTERM) → keepalived takes over; lvsd preempts back', async () => {
    lab = new Lab('vu2');
    const vips = [`${lab.net}.61/24`];
    const [a, b] = [lab.routers[0]!.addr, lab.routers[1]!.addr];
    const r = await failover(
      lab,
      {
        kind: 'lvsd',
        inst: { vrid: 62, priority: 150, version: 2, intervalMs: 1000, vips, peers: [b], password: 'uni62' },
      },
      {
        kind: 'keepalived',
        inst: { vrid: 62, priority: 100, version: 2, intervalMs: 1000, vips, peers: [a], password: 'uni62' },
      },
      { stop: 'SIGTERM', preemptBack: true },
    );
    expect(r.takeoverMs).toBeLessThan(2000);
  });

  it('v3 0.1 s unicast: keepalived master crashes (kill -9) → lvsd takes over; keepalived preempts back', async () => {
    lab = new Lab('vu3');
    const vips = [`${lab.net}.62/24`];
    const [a, b] = [lab.routers[0]!.addr, lab.routers[1]!.addr];
    await failover(
      lab,
      { kind: 'keepalived', inst: { vrid: 63, priority: 150, version: 3, intervalMs: 100, vips, peers: [b] } },
      { kind: 'lvsd', inst: { vrid: 63, priority: 100, version: 3, intervalMs: 100, vips, peers: [a] } },
      { stop: 'SIGKILL', preemptBack: true },
    );
  });
});
