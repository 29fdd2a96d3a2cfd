/**
 * Kernel tier, the proof of connection sync (issue 13), in user-mode Linux with real IPVS: two lvsd
 * directors (VRRP pair, preempt, adverts every 1 s), a NAT virtual server on the VIP over three
 * backends, 50 long-lived TCP connections each exchanging a numbered message every 100 ms and
 * checking the same backend, in order, no reset (test/support/sync-failover). One boot runs:
 *   nat:    [sync] on. Crash of the master (links down, kill -9): 50/50 continue on lb2, each
 *           pausing about a Master_Down interval. lb1 returns as after a reboot (empty connection
 *           table) and preempts after startup_delay: 50/50 continue again.
 *   nosync: the contrast, without [sync]: the crash resets every connection.
 * A second boot runs the same with DR forwarding (sync-failover-dr.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterDownMs } from '../../src/vrrp/machine.js';
import { hasRoot } from '../support/root.js';
import { bootScenarios, scenarioResults } from '../support/sync-failover/boot.js';
import { median } from '../support/sync-failover/results.js';
import type { FailoverOptions } from '../support/sync-failover/scenario.js';
import type { UmlResult } from '../support/uml.js';

const BASE: FailoverOptions = {
  director: 'lvsd',
  sync: true,
  forwarding: 'nat',
  conns: 50,
  intervalMs: 100,
  advertMs: 1000,
  holdMs: 6000,
  syncDelayMs: 10_000,
};
/** lb2's Master_Down_Interval (priority 100, 1 s adverts): 3609 ms. */
const MDI = masterDownMs(100, BASE.advertMs / 10);

describe.skipIf(!hasRoot('kernel: connection sync failover in UML'))(
  'connection sync through failover and failback (NAT)',
  () => {
    let r: UmlResult;
    beforeAll(async () => {
      r = await bootScenarios('sync-failover', [
        ['nat', BASE],
        ['nosync', { ...BASE, sync: false }],
      ]);
    }, 1_600_000);
    afterAll(() => r?.cleanup());

    it('the pair starts, the table is on both directors, 50 connections run and lb2 holds all 50 as synced', () => {
      const { res } = scenarioResults(r, 'nat');
      for (const k of [
        'lb1_master',
        'lb1_table',
        'lb2_table',
        'connected',
        'steady',
        'lb2_master',
        'lb1_back',
        'lb2_released',
      ])
        expect(res[k], k).toBe('0');
      expect(Number(res.before_crash_lb2_synced)).toBeGreaterThanOrEqual(50);
    });

    it('crash of the master: 50 of 50 continue on lb2, each pausing about a Master_Down interval', () => {
      const { failover } = scenarioResults(r, 'nat');
      const p = failover.pausesMs;
      process.stdout.write(
        `sync-failover nat: failover ${failover.survivors}/${failover.total}, pause median ${median(p)} ms, max ${p[0]} ms (MDI ${MDI} ms)\n`,
      );
      expect(failover).toMatchObject({ survivors: 50, total: 50, failures: {} });
      // every connection saw the outage (the measure is real), none longer than a few MDIs of TCP backoff
      expect(Math.min(...p)).toBeGreaterThan(MDI * 0.5);
      expect(p[0]!).toBeLessThan(MDI * 4);
    });

    it('lb1 returns with an empty table, waits startup_delay for it, preempts: 50 of 50 continue again', () => {
      const { res, failback, text } = scenarioResults(r, 'nat');
      const p = failback.pausesMs;
      process.stdout.write(
        `sync-failover nat: failback ${failback.survivors}/${failback.total}, pause median ${median(p)} ms, max ${p[0]} ms; lb1 back as master after ${res.lb1_back_ms} ms\n`,
      );
      expect(Number(res.after_failback_lb1_synced)).toBeGreaterThanOrEqual(50);
      expect(failback).toMatchObject({ survivors: 50, total: 50, failures: {} });
      expect(Number(res.lb1_back_ms)).toBeGreaterThan(BASE.syncDelayMs);
      const status = text('status-lb1.txt');
      expect(status).toMatch(/^sync eth0 syncid 51 \(following VI_SYNC\) {2}running: master eth0 syncid 51/m);
      expect(status).toMatch(/connections: \d+ received by sync, \d+ scheduled here/);
    });

    it('contrast: the same crash without [sync] resets every connection', () => {
      const { res, failover } = scenarioResults(r, 'nosync');
      process.stdout.write(
        `sync-failover nosync: failover ${failover.survivors}/${failover.total} ${JSON.stringify(failover.failures)}\n`,
      );
      expect(res.lb2_master).toBe('0');
      expect(Number(res.before_crash_lb2_synced)).toBe(0);
      expect(failover.survivors).toBe(0);
      expect(failover.failures['reset: ECONNRESET']).toBe(50);
    });
  },
);
