/**
 * The real wiring: config (src/config), planner/diff/reconciler (src/plan), dataplanes
 * (src/dataplane), health engine (src/health), VRRP (src/vrrp), formatOp (src/ipvs/rules).
 */
import type { Config } from '../config/schema.js';
import { formatProblems } from '../config/load.js';
import { MemoryDataplane } from '../dataplane/memory.js';
import { HealthEngine } from '../health/engine.js';
import type { Op } from '../ipvs/types.js';
import { configModel } from './model.js';
import {
  planner,
  summary,
  diffTables,
  reconciler,
  openKernel,
  formatOp,
  vrrpService,
  memoryCodec,
} from './adapters.js';
import type { Wiring } from './wiring.js';

/** Above this many health targets the probe latency histogram has no `target` label. */
export const PER_TARGET_LIMIT = 1000;

/** Binds the Wiring to the real modules. */
export function realWiring(): Wiring<Config> {
  return {
    model: configModel(planner, summary, memoryCodec),
    async openDataplane(kind) {
      if (kind === 'memory') {
        const dp = new MemoryDataplane();
        return { dataplane: dp, writes: () => dp.writes };
      }
      return openKernel();
    },
    reconciler,
    async health(clock, log, registry, targets) {
      // Per-target probe latency histograms cost ~12 series per target: keep them for fleets up to
      // PER_TARGET_LIMIT targets, above that only per check kind. health/metrics.ts loads prom-client.
      const metrics =
        registry &&
        new (await import('../health/metrics.js')).HealthMetrics(registry, { perTarget: targets <= PER_TARGET_LIMIT });
      return new HealthEngine({ clock, log: log.child({ layer: 'health' }), metrics });
    },
    vrrp: vrrpService,
    diffTables,
    formatOp: (op: Op) => formatOp(op),
    formatProblems,
  };
}
