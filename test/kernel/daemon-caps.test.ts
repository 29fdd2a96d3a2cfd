/**
 * Kernel tier (UML): lvsd runs as the unprivileged user `nobody` with only
 * CAP_NET_ADMIN + CAP_NET_RAW (setpriv: ambient + bounding set) and passes the same scenario:
 * healthy table + spread, backend dies → weight 0, drift repaired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../support/root.js';
import { runGuest, type UmlResult } from '../support/uml.js';
import { scenarioScript } from './daemon-scenario.js';
import { parseResults, readJson, readText, transitions, windowed } from './daemon-results.js';

describe.skipIf(!hasRoot('kernel: lvsd with only CAP_NET_ADMIN + CAP_NET_RAW in UML'))(
  'lvsd as nobody with two capabilities (UML)',
  () => {
    let r: UmlResult;
    let res: Record<string, string>;

    beforeAll(async () => {
      r = await runGuest({
        name: 'daemon-caps',
        script: scenarioScript({ runAs: 'caps', phases: ['healthy', 'dies', 'drift'] }),
        timeoutMs: 300_000,
      });
      res = parseResults(r);
      if (process.env.LVSD_KEEP_UML) process.stderr.write(`UML output kept in ${r.outDir}\n`);
    });
    afterAll(() => (process.env.LVSD_KEEP_UML ? undefined : r?.cleanup()));

    it('runs as uid 65534 with exactly CAP_NET_ADMIN and CAP_NET_RAW effective', () => {
      expect(r.ok, r.log.slice(-2000)).toBe(true);
      expect(res.started).toBe('0');
      expect(res.lvsd_uid).toBe('65534');
      expect(BigInt('0x' + res.lvsd_capeff)).toBe((1n << 12n) | (1n << 13n));
    });

    it('programs the planned table and spreads requests', () => {
      expect(res.healthy_converged).toBe('0');
      expect(readText(r, 'plan-after.txt')).toMatch(/: 0 operation\(s\)/);
      const b = readJson<{ http: Record<string, number>; dns: Record<string, number> }>(r, 'burst-healthy.json');
      expect(b.http, transitions(r)).toEqual({ 'backend b1': 10, 'backend b2': 10, 'backend b3': 10 });
      // rr, exactly: each query comes from its own source port (daemon-client.ts says why that matters for UDP)
      expect(b.dns, transitions(r)).toEqual({ '10.9.9.1': 10, '10.9.9.2': 10, '10.9.9.3': 10 });
    });

    it('sets a dead backend to weight 0 within the bound and repairs drift', () => {
      expect(res.dies_rc).toBe('0');
      // applied (daemon log, guest clock) within fall × interval + timeout + 100 ms; the guest's
      // ipvsadm polling that confirms it is slower under load, so it only gets a loose bound
      const dies = windowed(r, res, 'dies'); // + the time the guest could not run in that window
      expect(dies.ms, `stalled ${dies.stalled} ms`).toBeLessThanOrEqual(2 * 500 + 300 + 100 + dies.stalled);
      expect(Number(res.dies_ms)).toBeLessThanOrEqual(2 * 500 + 300 + 3000);
      for (const k of ['drift_edit', 'drift_del', 'drift_flush']) expect(res[`${k}_rc`], k).toBe('0');
    });

    it('stops cleanly on SIGTERM', () => {
      expect(res.stopped).toBe('0');
      expect(res.stop_code).toBe('0');
    });
  },
);
