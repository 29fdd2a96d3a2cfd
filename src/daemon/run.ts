/**
 * The daemon's lifecycle in the foreground: load and validate the config (invalid → every problem
 * on stderr, exit 2), open the dataplane (none when the config has no virtual server: VRRP-only
 * configs never open the IPVS family), start the daemon core, the control socket and the metrics
 * listener, then serve signals (src/daemon/signals.ts has the whole table) until a stop:
 *   SIGHUP                   reload (invalid config: logged, old config kept)
 *   SIGTERM/SIGINT/SIGQUIT   clean stop (probes, VRRP, on_shutdown keep|remove), exit 0; a second
 *                            stop signal during the stop exits 1 at once
 *   SIGABRT/SIGTRAP/SIGSYS, an uncaught exception or unhandled rejection: logged as fatal, then the
 *                            same clean stop (the VIPs are released), exit 1
 *   SIGUSR1 / SIGUSR2        status summary / process counters to the log
 * Node's inspector is never opened (src/util/inspector-guard.ts). A start that cannot finish (a
 * listener that cannot bind, a failed first pass) closes what it opened and exits 1.
 * Signals are handled explicitly, so PID 1 in a container behaves (the kernel ignores default
 * dispositions for PID 1). Logs are pino JSON lines on stdout.
 */
import { performance } from 'node:perf_hooks';
import pino, { type Logger } from 'pino';
import { ConfigLoader } from '../config/config-loader.js';
import { formatProblems } from '../config/load.js';
import type { Config } from '../config/types.js';
import { ControlServer } from '../control/server.js';
import type { Dataplane } from '../dataplane/dataplane.js';
import type { DaemonMetrics, VsSnapshot } from '../metrics/daemon-metrics.js';
import type { MetricsServer } from '../metrics/http.js';
import { systemClock } from '../util/clock.js';
import { heapRelease } from '../util/heap-release.js';
import { guardInspector } from '../util/inspector-guard.js';
import type { DaemonArgs } from './args.js';
import { awaitingIpvs, isIpvsUnavailable } from './awaiting-ipvs.js';
import {
  announcements,
  daemonHealthEngine,
  daemonMetrics,
  openDataplane,
  readSysctl,
  syncService,
  TUNING,
  vrrpService,
} from './compose.js';
import { handleRequest } from './control.js';
import { Daemon } from './daemon.js';
import { processCounters, statusSummary } from './dumps.js';
import { controlGroupId } from './group.js';
import { EarlyStart, type EarlyParts } from './early-start.js';
import { hardenedWith } from './harden.js';
import { Overrides } from './overrides.js';
import { IgnoredSignalLog, onSignals, type SignalAction } from './signals.js';
import { healthTargets, probesPerSecond } from './targets.js';

/**
 * The daemon's logger: pino JSON lines with the level as its name ("info") and the time as ISO 8601
 * text (pino's isoTime), the fields log tools read without a mapping.
 */
export function daemonLogger(level: string, routerId: string, dest?: pino.DestinationStream): Logger {
  const opts = {
    level,
    base: { router_id: routerId },
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return dest ? pino(opts, dest) : pino(opts);
}

/** Runs the daemon until it is stopped by a signal; resolves with the exit code. */
export async function runDaemon(args: DaemonArgs): Promise<number> {
  const inspectorWarning = guardInspector();
  const life = new Lifecycle();
  try {
    const loader = new ConfigLoader();
    const readAt = performance.now();
    // a large config is read in batches, and each batch's real servers are probed at once (early-start.ts)
    const early = new EarlyStart((level, routerId) => daemonLogger(level, routerId), args.logLevel);
    const loaded = await loader.loadFileStaged(args.file, (part) => early.take(part), {
      minSections: TUNING.stagedStartSections,
      batch: TUNING.stagedStartBatch,
      sliceMs: TUNING.stagedStartSliceMs,
    });
    if (!loaded.ok) {
      await early.stop();
      process.stderr.write(formatProblems(args.file, loaded.problems) + '\n');
      return 2;
    }
    const g = loaded.config.global;
    const made = early.made;
    const log = made?.log ?? daemonLogger(args.logLevel ?? g.log_level, g.router_id);
    life.log = log;
    log.info(
      {
        virtualServers: loaded.config.virtual_server.length,
        ms: Math.round(performance.now() - readAt),
        probing: !!made,
      },
      'config read',
    );
    if (inspectorWarning) log.warn(inspectorWarning);
    if (!made) await hardenedWith(log);
    let dataplane: Dataplane | undefined;
    if (loaded.config.virtual_server.length > 0) {
      try {
        dataplane = await openDataplane(args.dataplane);
      } catch (e) {
        if (args.dataplane === 'kernel' && isIpvsUnavailable(e)) {
          // Keep VRRP and health checks running; say why IPVS cannot be programmed, retry every resync.
          const why = `${(e as Error).message}; virtual servers are not programmed until it is loaded (retried at every resync), VRRP and health checks keep running`;
          log.error({ err: (e as Error).message }, why);
          process.stderr.write(`lvsd: ${why}\n`);
          return await serve(
            args,
            loaded.config,
            awaitingIpvs(() => openDataplane('kernel')),
            log,
            life,
            loader,
            made,
          );
        }
        log.fatal({ err: (e as Error).message }, 'cannot open the dataplane');
        process.stderr.write(`lvsd: ${(e as Error).message}\n`);
        await early.stop();
        return 1;
      }
    }
    return await serve(args, loaded.config, dataplane, log, life, loader, made);
  } finally {
    life.dispose();
  }
}

async function serve(
  args: DaemonArgs,
  config: Config,
  dataplane: Dataplane | undefined,
  log: Logger,
  life: Lifecycle,
  loader: ConfigLoader,
  early?: EarlyParts,
): Promise<number> {
  const g = config.global;
  const ref = early?.ref ?? {};
  // Without metrics_listen nothing can ever read the metrics (the listener is not added by a reload),
  // so prom-client is not even loaded (~30-40 ms of module loading before the first probe).
  const metrics = early
    ? early.metrics
    : g.metrics_listen
      ? await daemonMetrics(
          () => (ref.daemon ? ref.daemon.destinations() : Promise.resolve([])),
          () => ref.daemon?.ecmpFingerprints() ?? Promise.resolve([]),
        )
      : undefined;
  const overrides = new Overrides(g.state_file || undefined);
  const bad = overrides.load();
  if (bad) log.warn(bad);
  const health =
    early?.health ??
    (await daemonHealthEngine(log, metrics?.registry, {
      targets: metrics ? healthTargets(config).length : 0,
      probesPerSecond: probesPerSecond(config),
    }));
  const daemon = new Daemon({
    configPath: args.file,
    config,
    loader,
    dataplane,
    dataplaneKind: dataplane ? args.dataplane : 'none',
    batchSize: TUNING.reconcileBatch,
    ecmpRealign: process.env.LVSD_ECMP_REALIGN !== '0',
    // the target count only sizes the probe metrics: not worth building 10,000 targets without them
    health,
    vrrp: (instances, routerId, sync) =>
      vrrpService(instances, routerId, log.child({ layer: 'vrrp' }), metrics?.registry, sync),
    sync: syncService(log),
    overrides,
    clock: systemClock,
    log,
    metrics,
    announcements: announcements(log, metrics, (ms) => ms + Date.now() - systemClock.now()),
    sysctl: readSysctl,
    logLevel: { cli: args.logLevel, set: (level) => (log.level = level) },
    releaseHeap: heapRelease(),
  });
  ref.daemon = daemon;
  metrics?.setVirtualServers(() => quorumSnapshot(daemon));
  if (metrics) {
    const d = daemon;
    (await import('../metrics/sync-metrics.js')).registerSyncMetrics(metrics.registry, () => d.syncStatus());
  }
  const stopped = life.attach(daemon, log, () => health.stats());
  const listeners = await startListeners(daemon, config.global, metrics, log);
  if (!listeners) {
    await daemon.stop();
    await dataplane?.close();
    return 1;
  }
  const started = await daemon.start().then(
    () => true,
    (e: Error) => {
      log.fatal({ err: e.message }, 'start failed');
      process.stderr.write(`lvsd: ${e.message}\n`);
      return false;
    },
  );
  if (started && !life.stopping)
    log.info({ config: args.file, dataplane: dataplane ? args.dataplane : 'none', pid: process.pid }, 'lvsd started');
  const code = started
    ? await stopped
    : await daemon.stop().then(
        () => 1,
        () => 1,
      );
  await listeners.control.close();
  await listeners.http?.close();
  await dataplane?.close();
  log.info('lvsd stopped');
  return code;
}

/** Opens the control socket, then the metrics listener; on a failure closes what it opened and returns undefined. */
async function startListeners(
  daemon: Daemon,
  g: Config['global'],
  metrics: DaemonMetrics | undefined,
  log: Logger,
): Promise<{ control: ControlServer; http?: MetricsServer } | undefined> {
  let control: ControlServer | undefined;
  try {
    const group = g.control_socket_group === undefined ? undefined : controlGroupId(g.control_socket_group);
    control = await ControlServer.listen(g.control_socket, (req) => handleRequest(daemon, req), { group });
    const http =
      g.metrics_listen && metrics ? await metricsListener(daemon, g.metrics_listen, metrics, log) : undefined;
    return { control, http };
  } catch (e) {
    await control?.close();
    const what = control ? `metrics_listen ${listenText(g.metrics_listen)}` : `control_socket ${g.control_socket}`;
    log.fatal({ err: (e as Error).message }, `cannot start listeners: ${what}`);
    process.stderr.write(`lvsd: cannot listen on ${what}: ${(e as Error).message}\n`);
    return undefined;
  }
}

function listenText(l: Config['global']['metrics_listen']): string {
  return l ? (l.host.includes(':') ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}`) : '';
}

/**
 * Signals and fatal errors for the life of one daemon run. Before the daemon exists a stop signal
 * exits at once (nothing is held yet); after `attach`, stops are clean and resolve `attach`'s promise.
 */
class Lifecycle {
  log?: Logger;
  stopping = false;
  private daemon?: Daemon;
  private counters?: () => object;
  private resolveStop?: (code: number) => void;
  private dumping = false;
  private readonly ignored = new IgnoredSignalLog();
  private readonly onUncaught = (e: unknown) => this.fatal('uncaught exception', e);
  private readonly onRejection = (e: unknown) => this.fatal('unhandled promise rejection', e);

  constructor() {
    onSignals((action, sig) => this.on(action, sig)); // kept until the process exits
    process.on('uncaughtException', this.onUncaught);
    process.on('unhandledRejection', this.onRejection);
  }

  /** From now on a stop stops `daemon`; the promise resolves with the exit code once it has. */
  attach(daemon: Daemon, log: Logger, counters: () => object): Promise<number> {
    this.daemon = daemon;
    this.log = log;
    this.counters = counters;
    return new Promise((resolve) => (this.resolveStop = resolve));
  }

  /** Removes the fatal-error listeners (the signal listeners stay until the process exits). */
  dispose(): void {
    process.off('uncaughtException', this.onUncaught);
    process.off('unhandledRejection', this.onRejection);
  }

  private on(action: SignalAction, sig: string): void {
    switch (action) {
      case 'stop':
        return this.stop(sig, 0, 'info');
      case 'fatal':
        return this.stop(sig, 1, 'fatal');
      case 'reload':
        return this.reload();
      case 'status':
        return void this.dumpStatus();
      case 'counters':
        return void this.log?.info({ counters: processCounters(this.counters) }, 'SIGUSR2: counters');
      case 'ignore': {
        const suppressed = this.ignored.note(sig, Date.now());
        if (suppressed !== undefined)
          this.warn(
            `${sig} ignored (lvsd gives it no meaning)${suppressed ? `; ${suppressed} more since the last line` : ''}`,
          );
      }
    }
  }

  private fatal(what: string, e: unknown): void {
    const err = e instanceof Error ? (e.stack ?? e.message) : String(e);
    if (this.log) this.log.fatal({ err }, `${what}: stopping`);
    else process.stderr.write(`lvsd: ${what}: ${err}\n`);
    this.stop(what, 1, 'fatal');
  }

  private stop(why: string, code: number, level: 'info' | 'fatal'): void {
    if (this.stopping || !this.daemon) {
      this.warn(`${why}${this.stopping ? ' again' : ' before the start finished'}: exiting now`);
      return process.exit(this.stopping ? 1 : code);
    }
    this.stopping = true;
    this.log![level](`${why}: stopping`);
    this.daemon.stop().then(
      () => this.resolveStop!(code),
      (e: Error) => (this.log!.error({ err: e.message }, 'error while stopping'), this.resolveStop!(1)),
    );
  }

  private reload(): void {
    if (!this.daemon) return this.warn('SIGHUP before the start finished: ignored');
    this.log!.info('SIGHUP: reloading');
    this.daemon
      .reload()
      .catch((e: Error) => this.log!.error({ err: e.stack ?? e.message }, 'reload failed; keeping the running config'));
  }

  private async dumpStatus(): Promise<void> {
    if (!this.daemon || this.dumping) return; // a burst of USR1 makes one dump
    this.dumping = true;
    try {
      this.log!.info({ status: statusSummary(await this.daemon.status()) }, 'SIGUSR1: status');
    } catch (e) {
      this.log!.error({ err: (e as Error).message }, 'SIGUSR1: status failed');
    } finally {
      this.dumping = false;
    }
  }

  private warn(msg: string): void {
    if (this.log) this.log.warn(msg);
    else process.stderr.write(`lvsd: ${msg}\n`);
  }
}

/** /metrics, /healthz and the status page (/, /status, /status.json, /status/events). */
async function metricsListener(
  daemon: Daemon,
  listen: NonNullable<Config['global']['metrics_listen']>,
  metrics: DaemonMetrics,
  log: Logger,
) {
  const [{ MetricsServer }, { StatusRoutes }] = await Promise.all([
    import('../metrics/http.js'),
    import('../web/routes.js'),
  ]);
  const routes = new StatusRoutes({
    status: () => daemon.status(),
    onError: (e) => log.warn({ err: (e as Error).message }, 'status page: building the report failed'),
  });
  return MetricsServer.listen(listen, {
    metrics: (families) => metrics.pieces(families),
    unhealthy: () => unhealthy(daemon),
    routes,
  });
}

/** /healthz: 503 while the dataplane cannot be read (the daemon cannot keep the table right). */
function unhealthy(d: Daemon): string | undefined {
  const e = d.lastPass?.error;
  return e ? `reconcile failing: ${e}` : undefined;
}

/** Quorum series per virtual server, from the last plan (lvsd_virtual_server_*). */
function quorumSnapshot(d: Daemon): VsSnapshot[] {
  const p = d.plan;
  return d.config.virtual_server.map((vs) => ({
    vs: vs.name,
    quorum: vs.quorum,
    liveWeight: p?.live.get(vs.name) ?? 0,
    belowQuorum: p?.belowQuorum.has(vs.name) ?? false,
    destinationsUp: vs.real_server.filter((r) => {
      const h = r.check ? d.healthState(vs.name, r.key) : 'up';
      return h === 'up';
    }).length,
  }));
}
