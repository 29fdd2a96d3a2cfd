import { afterEach, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { Lab } from './lab.js';
import { failover } from './scenario.js';

describe.skipIf(!hasRoot('host: VRRP multicast interop with keepalived'))(
  'VRRP multicast: lvsd ↔ keepalived 2.2.7',
  () => {
    let lab: Lab | undefined;
    afterEach(() => lab?.close());

    it('v3 0.1 s: lvsd master crashes (kill -9) → keepalived takes over, GARP moves the client; lvsd preempts back', async () => {
      lab = new Lab('vm3');
      const vips = [`${lab.net}.50/24`];
      const r = await failover(
        lab,
        { kind: 'lvsd', inst: { vrid: 51, priority: 150, version: 3, intervalMs: 100, vips } },
        { kind: 'keepalived', inst: { vrid: 51, priority: 100, version: 3, intervalMs: 100, vips } },
        { stop: 'SIGKILL', preemptBack: true },
      );
      expect(r.takeoverMs).toBeLessThan(3000);
    });

    it('v2 1 s with PASS: keepalived master stops (SIGTERM) → lvsd takes over within ~skew; keepalived preempts back', async () => {
      lab = new Lab('vm2');
      const vips = [`${lab.net}.51/24`];
      const r = await failover(
        lab,
        { kind: 'keepalived', inst: { vrid: 52, priority: 150, version: 2, intervalMs: 1000, vips, password: 'pw52' } },
        { kind: 'lvsd', inst: { vrid: 52, priority: 100, version: 2, intervalMs: 1000, vips, password: 'pw52' } },
        { stop: 'SIGTERM', preemptBack: true },
      );
      expect(r.takeoverMs).toBeLessThan(2000);
    });
  },
);
