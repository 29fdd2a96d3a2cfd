/**
 * The composition root: the one place that builds the real process's dependencies (kernel or memory
 * dataplane, health engine, VRRP service, metrics) and sets their tuning. Everything below takes
 * these as explicit options; nothing else changes V8 flags or picks a thread by looking at files.
 * Heavy modules (the netlink stack, VRRP, prom-client) are imported on first use, so a start loads
 * only what its config needs.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Announcements, type AnnounceMetrics } from './announcements.js';
import { KernelRoutes, type RouteClient } from '../announce/routes.js';
import type { Dataplane } from '../dataplane/dataplane.js';
import { MemoryDataplane } from '../dataplane/memory.js';
import { HealthEngine, type HealthEngineOptions } from '../health/engine.js';
import type { HealthMetrics } from '../health/metrics.js';
import { ShardedHealth } from '../health/shards.js';
import { tuneHeapForProbeLoad } from '../health/heap-tuning.js';
import type { DaemonMetrics, DestSnapshot } from '../metrics/daemon-metrics.js';
import { SyncService } from './sync-service.js';
import type { SyncSetup } from '../sync/setup.js';
import { systemClock } from '../util/clock.js';
import type { VrrpInstanceConfig } from '../vrrp/schema.js';
import type { VrrpService } from '../vrrp/service.js';
import { version } from '../util/version.js';
import type { DataplaneKind } from './args.js';
import type { HealthProbes } from './daemon.js';

/** The process's tuning, each knob with why it has its value (bench/results/*.md has the figures). */
export const TUNING = {
  /** Above this many health targets the probe latency histogram has no `target` label (~12 series each). */
  perTargetMetricsLimit: 1000,
  /** Health scheduler wake-ups batched within this many ms (a probe may start up to 5 ms early, never late). */
  healthSlackMs: 5,
  /**
   * Longest run of probe starts per scheduler wake-up (ms): beyond it the rest start on the next
   * turn, so a machine the probes saturate (user-mode Linux: 36,544 checks every 5 s) still gets
   * its table programmed and its reloads done, with the probes running late.
   */
  healthFireBudgetMs: 10,
  /**
   * A first start with at least this many virtual servers reads its config in batches and probes
   * each batch's real servers while it reads the next (src/daemon/early-start.ts): 100,000 checked
   * servers in a 10.7 MB file otherwise waited ~1.1 s of parsing and validating for their first
   * probe. LVSD_STAGED_START=0 turns it off.
   */
  stagedStartSections: process.env.LVSD_STAGED_START === '0' ? Infinity : 1000,
  /** Virtual servers per batch of a staged start (~10-20 ms of parsing and validating each). */
  stagedStartBatch: 100,
  /** Longest run of a staged start's batches between two event-loop turns (the probes run in them). */
  stagedStartSliceMs: 200,
  /**
   * Idle sockets the tcp checker keeps per address family: its connect-only probes (no source
   * address) reuse them with connect(AF_UNSPEC) instead of opening and closing a socket each, ~30 %
   * less CPU per probe (bench/results/tcp-reuse.md). LVSD_TCP_REUSE=0 turns it off.
   */
  tcpIdleSockets: process.env.LVSD_TCP_REUSE === '0' ? 0 : 1024,
  /** Health targets attached per event-loop turn, so the first probes of a large start go out early. */
  healthAttachChunk: 512,
  /**
   * From this many probe rounds per second on, the probes would run in worker threads
   * (src/health/shards.ts). Off (Infinity) unless LVSD_HEALTH_SHARDS asks: on this project's 2-core
   * machine, with the scheduler's fire budget, 100,000 checked servers reloaded in 0.8-1.4 s in
   * process and 2.0-2.8 s with 2 shards, at twice the RSS (572 vs 1,040 MB), and probes ran later
   * with shards. Shards only won below the budget's era and at 4,000 probes/s (lag p99 met with
   * them, not without). Not measured on a machine with cores to spare, so not the default.
   */
  healthShardsFromRate: Infinity,
  /**
   * Shard threads when sharded: one per core, at most 4; LVSD_HEALTH_SHARDS overrides (0: always in
   * process, N: always N shards, whatever the rate).
   */
  healthShards:
    process.env.LVSD_HEALTH_SHARDS !== undefined
      ? Number(process.env.LVSD_HEALTH_SHARDS)
      : Math.max(1, Math.min(availableParallelism(), 4)),
  /** How often each shard sends its probes' news (status, metrics) to the main thread, in ms. */
  healthBatchMs: 200,
  /** Ops per dataplane apply (one netlink batch). */
  reconcileBatch: 500,
  /** VRRP runs in a worker thread: the main thread's probes, reconciles and GC cannot delay an advert. */
  vrrpThread: true,
  /** SCHED_RR priority of the VRRP worker thread (keepalived's vrrp_rt_priority); LVSD_VRRP_RT_PRIORITY overrides. */
  vrrpRealtimePriority: Number(process.env.LVSD_VRRP_RT_PRIORITY ?? 10),
} as const;

/** Opens the dataplane; rejects with an Error whose message says why (e.g. IPVS not available, EPERM). */
export async function openDataplane(kind: DataplaneKind): Promise<Dataplane> {
  if (kind === 'memory') return new MemoryDataplane(undefined, { stats: true, kernelOrder: true });
  // Loaded on demand: the memory dataplane and --check of a VRRP-only config never load the netlink stack.
  const { KernelDataplane } = await import('../dataplane/kernel.js');
  return KernelDataplane.open();
}

/**
 * The health engine as the daemon runs it: real timers with the scheduler slack and chunked attach
 * above, and V8's heap growth set for probe load (src/health/heap-tuning.ts). Benchmarks of the
 * engine build it here too, so they measure the daemon's settings.
 */
export function realHealthEngine(o: Pick<HealthEngineOptions, 'log' | 'metrics' | 'checkers'> = {}): HealthEngine {
  tuneHeapForProbeLoad();
  return new HealthEngine({
    ...o,
    clock: systemClock,
    slackMs: TUNING.healthSlackMs,
    fireBudgetMs: TUNING.healthFireBudgetMs,
    attachChunk: TUNING.healthAttachChunk,
    tcpIdleSockets: TUNING.tcpIdleSockets,
  });
}

/** The health engine as the daemon uses it, with the counts SIGUSR2 logs. */
export type DaemonHealth = HealthProbes & Pick<HealthEngine, 'stats'>;

/**
 * The daemon's health engine: in process, or `TUNING.healthShards` worker threads when the config
 * asks for `TUNING.healthShardsFromRate` probes per second or more (the choice is logged once).
 * `targets` = how many health targets the config has (large fleets drop per-target latency labels);
 * no `registry` = no metrics are kept (nothing can scrape them).
 */
export async function daemonHealthEngine(
  log: Logger,
  registry: Registry | undefined,
  load: { targets: number; probesPerSecond: number },
): Promise<DaemonHealth> {
  const perTarget = load.targets <= TUNING.perTargetMetricsLimit;
  // health/metrics.ts loads prom-client: only when there is a registry to fill
  const metrics: HealthMetrics | undefined =
    registry && new (await import('../health/metrics.js')).HealthMetrics(registry, { perTarget });
  const hlog = log.child({ layer: 'health' });
  const shards = healthShardCount(load.probesPerSecond);
  const rate = Math.round(load.probesPerSecond);
  if (shards === 0) {
    hlog.info({ probesPerSecond: rate, threads: 0 }, 'health checks run on the main thread');
    return realHealthEngine({ log: hlog, metrics });
  }
  hlog.info({ probesPerSecond: rate, threads: shards }, `health checks run in ${shards} worker threads`);
  tuneHeapForProbeLoad();
  return new ShardedHealth({
    shards,
    log: hlog,
    metrics,
    perTarget,
    batchMs: TUNING.healthBatchMs,
    slackMs: TUNING.healthSlackMs,
    fireBudgetMs: TUNING.healthFireBudgetMs,
    attachChunk: TUNING.healthAttachChunk,
    tcpIdleSockets: TUNING.tcpIdleSockets,
  });
}

/** Shard threads for a probe rate: 0 (in process) below TUNING.healthShardsFromRate (LVSD_HEALTH_SHARDS wins). */
export function healthShardCount(probesPerSecond: number): number {
  if (process.env.LVSD_HEALTH_SHARDS !== undefined) return Math.max(0, Math.floor(TUNING.healthShards) || 0);
  return probesPerSecond >= TUNING.healthShardsFromRate ? TUNING.healthShards : 0;
}

/**
 * The VRRP service, loaded on first use: configs without vrrp_instance (and every start before its
 * first probe) skip loading the VRRP stack (~20 ms of module loading). Without a registry (no
 * metrics_listen) its series go to one nobody reads.
 */
export async function vrrpService(
  instances: VrrpInstanceConfig[],
  routerId: string,
  log: Logger,
  registry: Registry | undefined,
  sync?: SyncSetup,
): Promise<VrrpService> {
  const { VrrpService } = await import('../vrrp/service.js');
  return new VrrpService({
    instances,
    routerId,
    log,
    sync,
    registry: registry ?? new (await import('prom-client')).Registry(),
    thread: TUNING.vrrpThread,
    realtimePriority: TUNING.vrrpRealtimePriority,
  });
}

/** The daemon's metrics (prom-client is imported here, only when metrics_listen is set). */
export async function daemonMetrics(
  snap: () => Promise<DestSnapshot[]>,
  fingerprints?: () => Promise<Array<{ vs: string; fingerprint: string }>>,
): Promise<DaemonMetrics> {
  const { DaemonMetrics } = await import('../metrics/daemon-metrics.js');
  return new DaemonMetrics(snap, fingerprints, { build: { version: version() } });
}

/**
 * VIP announcements over rtnetlink in this process's network namespace; the netlink stack is loaded
 * and the socket opened only when a config first has [announce].
 */
export function announcements(
  log: Logger,
  metrics: AnnounceMetrics | undefined,
  wall: (ms: number) => number,
): Announcements {
  let rt: Promise<RouteClient> | undefined;
  const client = (): Promise<RouteClient> =>
    (rt ??= import('../rtnetlink/client.js').then(({ Rtnetlink }) => Rtnetlink.open()));
  const lazy: RouteClient = {
    addRoute: async (r, o) => (await client()).addRoute(r, o),
    delRoute: async (r) => (await client()).delRoute(r),
    listRoutes: async (f) => (await client()).listRoutes(f),
    linkIndex: async (n) => (await client()).linkIndex(n),
  };
  return new Announcements({
    open: (t) => new KernelRoutes(lazy, t),
    log: log.child({ layer: 'announce' }),
    metrics,
    wall,
  });
}

/** A sysctl of this network namespace ("net.ipv4.vs.sloppy_tcp"); undefined when it cannot be read. */
export function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Connection sync on the real kernel and /proc (src/sync/service.ts); its log lines carry layer "sync". */
export function syncService(log: Logger): SyncService {
  const l = log.child({ layer: 'sync' });
  return new SyncService({ log: (level, msg, d) => l[level](d, msg), clock: systemClock });
}
