/**
 * Kernel tier: the connection-sync proof with DR forwarding (one L2 segment, the VIP on the
 * backends' lo). DR needs the directors and the backends on one segment and backends that do not
 * answer ARP for the VIP; the directors here are not real servers of each other, so no loop can
 * form and backup_only stays 0 (docs/config.md says when to set it). Same steps as the NAT proof.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../support/root.js';
import type { UmlResult } from '../support/uml.js';
import { bootScenarios, scenarioResults } from '../support/sync-failover/boot.js';

describe.skipIf(!hasRoot('kernel: connection sync failover in UML (DR)'))(
  'connection sync through failover and failback (DR)',
  () => {
    let r: UmlResult;
    beforeAll(async () => {
      r = await bootScenarios('sync-failover-dr', [
        [
          'dr',
          {
            director: 'lvsd',
            sync: true,
            forwarding: 'dr',
            conns: 50,
            intervalMs: 100,
            advertMs: 1000,
            holdMs: 6000,
            syncDelayMs: 10_000,
          },
        ],
      ]);
    }, 1_600_000);
    afterAll(() => r?.cleanup());

    it('crash and failback in DR: 50 of 50 continue each time', () => {
      const { res, failover, failback } = scenarioResults(r, 'dr');
      process.stdout.write(
        `sync-failover dr: failover ${failover.survivors}/50 (pause max ${failover.pausesMs[0]} ms), failback ${failback.survivors}/50 (pause max ${failback.pausesMs[0]} ms)\n`,
      );
      expect(res.lb2_master).toBe('0');
      expect(Number(res.before_crash_lb2_synced)).toBeGreaterThanOrEqual(50);
      expect(failover).toMatchObject({ survivors: 50, failures: {} });
      expect(failback).toMatchObject({ survivors: 50, failures: {} });
    });
  },
);
