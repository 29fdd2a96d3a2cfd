/**
 * The daemon's lifecycle in the foreground: load and validate the config (invalid → every problem
 * on stderr, exit 2), open the dataplane (none when the config has no virtual server: VRRP-only
 * configs never open the IPVS family), start the daemon core, the control socket and the metrics
 * listener, then serve signals until SIGTERM/SIGINT:
 *   SIGHUP          reload (invalid config: logged, old config kept)
 *   SIGTERM/SIGINT  clean stop (probes, VRRP, on_shutdown keep|remove), exit 0; a second signal
 *                   during the stop exits 1 at once
 * Signals are handled explicitly, so PID 1 in a container behaves (the kernel ignores default
 * dispositions for PID 1). Logs are pino JSON lines on stdout.
 */
import pino, { type Logger } from 'pino';
import { loadConfigFile, formatProblems } from '../config/load.js';
import type { Config } from '../config/types.js';
import { ControlServer } from '../control/server.js';
import type { RealServerStatus } from '../control/status-report.js';
import type { Dataplane } from '../dataplane/dataplane.js';
import type { Stats } from '../ipvs/types.js';
import type { DaemonMetrics, DestSnapshot } from '../metrics/daemon-metrics.js';
import { systemClock } from '../util/clock.js';
import type { DaemonArgs } from './args.js';
import { awaitingIpvs, isIpvsUnavailable } from './awaiting-ipvs.js';
import { daemonHealthEngine, daemonMetrics, openDataplane, syncService, TUNING, vrrpService } from './compose.js';
import { handleRequest } from './control.js';
import { Daemon } from './daemon.js';
import { Overrides } from './overrides.js';
import { healthTargets } from './targets.js';

/** Runs the daemon until it is stopped by a signal; resolves with the exit code. */
export async function runDaemon(args: DaemonArgs): Promise<number> {
  const loaded = await loadConfigFile(args.file);
  if (!loaded.ok) {
    process.stderr.write(formatProblems(args.file, loaded.problems) + '\n');
    return 2;
  }
  const g = loaded.config.global;
  const log = pino({ level: args.logLevel ?? g.log_level, base: { router_id: g.router_id } });
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
        return serve(
          args,
          loaded.config,
          awaitingIpvs(() => openDataplane('kernel')),
          log,
        );
      }
      log.fatal({ err: (e as Error).message }, 'cannot open the dataplane');
      process.stderr.write(`lvsd: ${(e as Error).message}\n`);
      return 1;
    }
  }
  return serve(args, loaded.config, dataplane, log);
}

async function serve(args: DaemonArgs, config: Config, dataplane: Dataplane | undefined, log: Logger): Promise<number> {
  const g = config.global;
  let daemon: Daemon | undefined;
  // Without metrics_listen nothing can ever read the metrics (the listener is not added by a reload),
  // so prom-client is not even loaded (~30-40 ms of module loading before the first probe).
  const metrics = g.metrics_listen
    ? await daemonMetrics(() => (daemon ? snapshot(daemon) : Promise.resolve([])))
    : undefined;
  const overrides = new Overrides(g.state_file || undefined);
  const bad = overrides.load();
  if (bad) log.warn(bad);
  daemon = new Daemon({
    configPath: args.file,
    config,
    dataplane,
    dataplaneKind: dataplane ? args.dataplane : 'none',
    batchSize: TUNING.reconcileBatch,
    // the target count only sizes the probe metrics: not worth building 10,000 targets without them
    health: await daemonHealthEngine(log, metrics?.registry, metrics ? healthTargets(config).length : 0),
    vrrp: (instances, routerId, sync) =>
      vrrpService(instances, routerId, log.child({ layer: 'vrrp' }), metrics?.registry, sync),
    sync: syncService(log),
    overrides,
    clock: systemClock,
    log,
    metrics,
  });
  if (metrics) {
    const d = daemon;
    (await import('../metrics/sync-metrics.js')).registerSyncMetrics(metrics.registry, () => d.syncStatus());
  }
  const stopSignals = waitForStop(log, daemon);
  const listeners = await startListeners(daemon, g.control_socket, g.metrics_listen, metrics, log);
  if (!listeners) {
    await daemon.stop();
    await dataplane?.close();
    return 1;
  }
  try {
    await daemon.start();
  } catch (e) {
    log.fatal({ err: (e as Error).message }, 'start failed');
    process.stderr.write(`lvsd: ${(e as Error).message}\n`);
    await daemon.stop().catch(() => undefined);
    await listeners.control.close();
    await listeners.http?.close();
    await dataplane?.close();
    return 1;
  }
  log.info({ config: args.file, dataplane: dataplane ? args.dataplane : 'none', pid: process.pid }, 'lvsd started');
  const code = await stopSignals;
  await listeners.control.close();
  await listeners.http?.close();
  await dataplane?.close();
  log.info('lvsd stopped');
  return code;
}

async function startListeners(
  daemon: Daemon,
  sock: string,
  listen: Config['global']['metrics_listen'],
  metrics: DaemonMetrics | undefined,
  log: Logger,
) {
  try {
    const control = await ControlServer.listen(sock, (req) => handleRequest(daemon, req));
    const http =
      listen && metrics
        ? await (
            await import('../metrics/http.js')
          ).MetricsServer.listen(listen, { metrics: () => metrics.text(), unhealthy: () => unhealthy(daemon) })
        : undefined;
    return { control, http };
  } catch (e) {
    log.fatal({ err: (e as Error).message }, 'cannot start listeners');
    process.stderr.write(`lvsd: ${(e as Error).message}\n`);
    return undefined;
  }
}

function waitForStop(log: Logger, daemon: Daemon): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    process.on('SIGHUP', () => {
      log.info('SIGHUP: reloading');
      daemon
        .reload()
        .catch((e: Error) => log.error({ err: e.stack ?? e.message }, 'reload failed; keeping the running config'));
    });
    const stop = (sig: string) => {
      if (stopping) return void (log.warn(`${sig} again: exiting now`), process.exit(1));
      stopping = true;
      log.info(`${sig}: stopping`);
      daemon.stop().then(
        () => resolve(0),
        (e: Error) => (log.error({ err: e.message }, 'error while stopping'), resolve(1)),
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

/** /healthz: 503 while the dataplane cannot be read (the daemon cannot keep the table right). */
function unhealthy(d: Daemon): string | undefined {
  const e = d.lastPass?.error;
  return e ? `reconcile failing: ${e}` : undefined;
}

async function snapshot(d: Daemon): Promise<DestSnapshot[]> {
  const s = await d.status();
  return s.virtualServers.flatMap((vs) =>
    vs.realServers.map((r) => ({
      vs: vs.name,
      rs: r.rs,
      configuredWeight: r.configuredWeight,
      weight: r.kernelWeight ?? undefined,
      up: r.health !== 'down',
      drained: r.drained,
      active: r.active,
      inactive: r.inactive,
      stats: r.stats ? statsOf(r.stats) : undefined,
    })),
  );
}

function statsOf(s: NonNullable<RealServerStatus['stats']>): Stats {
  const z = 0n;
  return {
    conns: BigInt(s.conns),
    inpkts: BigInt(s.inpkts),
    outpkts: BigInt(s.outpkts),
    inbytes: BigInt(s.inbytes),
    outbytes: BigInt(s.outbytes),
    cps: z,
    inpps: z,
    outpps: z,
    inbps: z,
    outbps: z,
  };
}
