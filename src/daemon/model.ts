/**
 * Binds the daemon's ConfigModel to the real config (src/config). The planner is passed in (see
 * real-wiring.ts) so this file depends on the config layer only.
 * Health target ids and override keys are "vs name|rs key" (rs key = destKey, e.g. "10.0.0.2:8080").
 */
import type { Config } from '../config/schema.js';
import { loadConfigFile } from '../config/load.js';
import type { ConfigModel, Globals, PlanInput, PlanOutput, Target, VirtualServerRef } from './ports.js';

/** The planner as the daemon calls it (adapter over src/plan/desired.ts). */
export type PlannerFn = (input: PlanInput<Config>, memory: unknown) => { out: PlanOutput; memory: unknown };

/** A one-line config diff summary (adapter over src/config/diff.ts). */
export type SummaryFn = (prev: Config, next: Config) => string;

/** Planner memory persistence (adapter over src/plan/desired.ts). */
export interface MemoryCodec {
  save(memory: unknown, wallOffset: number): unknown[];
  load(saved: unknown[], now: number, wallOffset: number): unknown;
}

/** The ConfigModel of the real config. */
export function configModel(plan: PlannerFn, summary: SummaryFn, codec?: MemoryCodec): ConfigModel<Config> {
  return {
    saveMemory: codec?.save,
    loadMemory: codec?.load,
    load: async (path) => {
      const r = await loadConfigFile(path);
      return r.ok ? { ok: true, config: r.config } : { ok: false, problems: r.problems };
    },
    globals,
    targets,
    virtualServers,
    ownedKeys: (c) => c.virtual_server.map((v) => v.key),
    diffSummary: summary,
    plan,
    vrrpInstances: (c) => c.vrrp_instance,
  };
}

/** [global] in the daemon's terms. */
export function globals(c: Config): Globals {
  const g = c.global;
  const m = g.metrics_listen;
  return {
    routerId: g.router_id,
    logLevel: g.log_level,
    controlSocket: g.control_socket,
    metricsListen: m ? (m.host.includes(':') ? `[${m.host}]:${m.port}` : `${m.host}:${m.port}`) : undefined,
    resyncIntervalMs: g.resync_interval,
    onShutdown: g.on_shutdown,
    removal: g.removal,
    stateFile: g.state_file || undefined,
  };
}

/** Health targets: one per real server with a check, id "vs|rs". */
export function targets(c: Config): Target[] {
  const out: Target[] = [];
  for (const vs of c.virtual_server) {
    for (const rs of vs.real_server) {
      if (rs.check) out.push({ id: `${vs.name}|${rs.key}`, address: rs.address, port: rs.port, spec: rs.check });
    }
  }
  return out;
}

/** Virtual servers as the status and metrics see them. */
export function virtualServers(c: Config): VirtualServerRef[] {
  return c.virtual_server.map((vs) => ({
    name: vs.name,
    serviceKey: vs.key,
    scheduler: vs.scheduler,
    realServers: vs.real_server.map((rs) => ({
      rs: rs.key,
      configuredWeight: rs.weight,
      healthId: rs.check ? `${vs.name}|${rs.key}` : undefined,
    })),
  }));
}
