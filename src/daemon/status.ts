/**
 * Builds the status report lvsctl shows (src/control/status-report.ts): per virtual server and real
 * server the configured, desired and current (kernel) weight, health with the last transition's
 * reason and age, operator drain, the planner's "why this weight", connection counters and IPVS
 * stats — enough to answer "why is this server not getting traffic?". Pure apart from reading the
 * objects it is given.
 */
import type { Config, RealServerConfig, VirtualServerConfig } from '../config/types.js';
import type {
  PassInfo,
  RealServerStatus,
  ReloadInfo,
  StatsView,
  StatusReport,
  Transition,
  VirtualServerStatus,
} from '../control/status-report.js';
import type { HealthEngine } from '../health/engine.js';
import type { IpvsTable, TableService } from '../ipvs/types.js';
import { destKey, hostPort, serviceKey } from '../ipvs/types.js';
import { effectiveAdmin, type AdminLookup } from '../plan/admin.js';
import { serverId, type Plan } from '../plan/desired.js';
import { drainKey } from '../plan/drain.js';
import type { VrrpService } from '../vrrp/service.js';
import type { AnnounceStatus } from '../announce/status.js';
import { destFingerprint } from '../announce/ecmp.js';
import { freshKernelOrder } from '../plan/dest-order.js';

/** What the report reads of health and overrides. */
interface Env {
  health: Pick<HealthEngine, 'status'>;
  overrides: AdminLookup & { lostAtStart?: string };
}

/** The parts of the daemon the status reads. */
export interface StatusSource {
  config: Config;
  generation: number;
  startedAt: number;
  lastReload?: ReloadInfo;
  lastPass?: PassInfo;
  plan?: Plan;
  vrrp?: Pick<VrrpService, 'status'>;
  warnings?: string[];
  /** Recent transitions (the audit trail). */
  transitions?: Transition[];
}

/** Builds the report from the daemon's state. */
export function buildStatus(
  src: StatusSource,
  env: Env & {
    actual?: IpvsTable;
    dataplane: StatusReport['daemon']['dataplane'];
    configPath: string;
    announce?: AnnounceStatus;
  },
): StatusReport {
  const kernel = new Map((env.actual?.services ?? []).map((s) => [serviceKey(s.id), s]));
  const desired = new Map((src.plan?.table.services ?? []).map((s) => [serviceKey(s.id), s]));
  const vss = src.config.virtual_server.map((vs) =>
    vsStatus(vs, kernel.get(vs.key), desired.get(vs.key), src.plan, env),
  );
  return {
    generatedAt: Date.now(),
    daemon: {
      pid: process.pid,
      routerId: src.config.global.router_id,
      configFile: env.configPath,
      generation: src.generation,
      startedAt: src.startedAt,
      dataplane: env.dataplane,
      lastReload: src.lastReload,
      lastReconcile: src.lastPass,
      ...(src.warnings?.length ? { warnings: src.warnings } : {}),
      ...(env.overrides.lostAtStart !== undefined && { stateFileProblem: env.overrides.lostAtStart }),
    },
    ...(env.announce ? { announce: env.announce } : {}),
    virtualServers: vss,
    vrrp: src.vrrp?.status() ?? [],
    transitions: src.transitions ?? [],
  };
}

function vsStatus(
  vs: VirtualServerConfig,
  k: TableService | undefined,
  want: TableService | undefined,
  plan: Plan | undefined,
  env: Env,
): VirtualServerStatus {
  const named = new Set(vs.real_server.map((r) => r.key));
  const sorry = vs.sorry_server && hostPort(vs.sorry_server.address, vs.sorry_server.port);
  const draining = new Set(
    [...(plan?.memory.drains.values() ?? [])].filter((e) => !e.done).map((e) => drainKey(e.service, e.dest)),
  );
  return {
    name: vs.name,
    service: vs.key,
    scheduler: k?.scheduler ?? vs.scheduler,
    inKernel: !!k,
    belowQuorum: plan?.belowQuorum.has(vs.name) ?? false,
    ...(vs.ecmp ? { ecmp: ecmpView(k, want) } : {}),
    quorum: {
      quorum: vs.quorum,
      liveWeight: plan?.live.get(vs.name) ?? 0,
      hysteresis: vs.quorum_hysteresis,
      ...(sorry ? { sorryServer: sorry } : {}),
    },
    adminState: env.overrides.service(vs.name)?.state ?? 'ready',
    stats: k?.stats ? statsView(k.stats) : undefined,
    realServers: vs.real_server.map((r) => rsStatus(vs.name, r, k, want, plan, env)),
    extraDestinations: (k?.destinations ?? [])
      .filter((d) => !named.has(destKey(d)))
      .map((d) => ({
        rs: destKey(d),
        weight: d.weight,
        active: d.conns?.active,
        inactive: d.conns?.inactive,
        role:
          destKey(d) === sorry
            ? ('sorry server' as const)
            : draining.has(drainKey(vs.id, d))
              ? ('draining (removed from the config)' as const)
              : ('not managed by lvsd' as const),
      })),
  };
}

function rsStatus(
  vs: string,
  r: RealServerConfig,
  k: TableService | undefined,
  want: TableService | undefined,
  plan: Plan | undefined,
  env: Env,
): RealServerStatus {
  const kd = k?.destinations.find((d) => destKey(d) === r.key);
  const wd = want?.destinations.find((d) => destKey(d) === r.key);
  const id = serverId(vs, r.key);
  const h = r.check ? env.health.status(id) : undefined;
  const last = h?.lastResults[h.lastResults.length - 1];
  const own = env.overrides.server(id);
  const admin = effectiveAdmin(own, env.overrides.service(vs));
  return {
    rs: r.key,
    configuredWeight: r.weight,
    ...(own?.weight !== undefined ? { weightOverride: own.weight } : {}),
    adminState: admin?.state ?? 'ready',
    ...(admin?.by === 'service' && admin.state !== 'ready' ? { adminByService: true } : {}),
    desiredWeight: wd ? wd.weight : null,
    kernelWeight: kd ? kd.weight : null,
    health: h ? h.state : 'unchecked',
    healthSince: h?.since,
    reason: h?.reason,
    lastProbe: last ? { ok: last.ok, ms: last.ms, detail: last.detail, at: last.at } : undefined,
    probes: h?.probes,
    drained: admin?.state === 'drain',
    why: plan?.explain.get(id),
    active: kd?.conns?.active,
    inactive: kd?.conns?.inactive,
    stats: kd?.stats ? statsView(kd.stats) : undefined,
  };
}

/** The fingerprint of the kernel's destination list (what mh uses), and of the list a fresh start gives. */
function ecmpView(
  k: TableService | undefined,
  want: TableService | undefined,
): { fingerprint?: string; desired?: string } {
  return {
    ...(k ? { fingerprint: destFingerprint(k.destinations) } : {}),
    ...(want ? { desired: destFingerprint(freshKernelOrder(want.destinations)) } : {}),
  };
}

function statsView(s: NonNullable<TableService['stats']>): StatsView {
  return {
    conns: s.conns.toString(),
    inpkts: s.inpkts.toString(),
    outpkts: s.outpkts.toString(),
    inbytes: s.inbytes.toString(),
    outbytes: s.outbytes.toString(),
    cps: s.cps.toString(),
    inbps: s.inbps.toString(),
    outbps: s.outbps.toString(),
  };
}
