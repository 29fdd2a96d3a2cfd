/**
 * The real wiring: config (src/config), planner/diff/reconciler (src/plan), dataplanes
 * (src/dataplane), health engine (src/health), VRRP (src/vrrp), formatOp (src/ipvs/rules).
 */
import type { Config } from '../config/schema.js';
import { formatProblems } from '../config/load.js';
import { MemoryDataplane } from '../dataplane/memory.js';
import { HealthEngine } from '../health/engine.js';
import { HealthMetrics } from '../health/metrics.js';
import type { Op } from '../ipvs/types.js';
import { configModel } from './model.js';
import { planner, summary, diffTables, reconciler, openKernel, formatOp, vrrpService, loadAdapters } from './adapters.js';
import type { Wiring } from './wiring.js';

/** Binds the Wiring to the real modules. */
export async function realWiring(): Promise<Wiring<Config>> {
  await loadAdapters();
  return {
    model: configModel(planner, summary),
    async openDataplane(kind) {
      if (kind === 'memory') {
        const dp = new MemoryDataplane();
        return { dataplane: dp, writes: () => dp.writes };
      }
      return openKernel();
    },
    reconciler,
    health(clock, log, registry) {
      return new HealthEngine({ clock, log: log.child({ layer: 'health' }), metrics: new HealthMetrics(registry) });
    },
    vrrp: vrrpService,
    diffTables,
    formatOp: (op: Op) => formatOp(op),
    formatProblems,
  };
}
