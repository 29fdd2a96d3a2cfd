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
import { systemClock } from '../util/clock.js';
import type { DaemonArgs } from '../cli/daemon.js';
import { ControlServer } from '../control/server.js';
import type { DaemonMetrics, DestSnapshot } from '../metrics/daemon-metrics.js';
import type { Stats } from '../ipvs/types.js';
import type { RealServerStatus } from './status.js';
import { Daemon } from './daemon.js';
import { Overrides } from './overrides.js';
import { handleRequest } from './control.js';
import type { OpenedDataplane, Wiring } from './wiring.js';
import { awaitingIpvs, isIpvsUnavailable } from './awaiting-ipvs.js';

/** Runs the daemon until it is stopped by a signal; resolves with the exit code. */
export async function runDaemon<C>(args: DaemonArgs, w: Wiring<C>): Promise<number> {
  const loaded = await w.model.load(args.file);
  if (!loaded.ok) {
    process.stderr.write(w.formatProblems(args.file, loaded.problems) + '\n');
    return 2;
  }
  const g = w.model.globals(loaded.config);
  const log = pino({ level: args.logLevel ?? g.logLevel, base: { router_id: g.routerId } });
  let opened: OpenedDataplane | undefined;
  if (w.model.ownedKeys(loaded.config).length > 0) {
    try {
      opened = await w.openDataplane(args.dataplane);
    } catch (e) {
      if (args.dataplane === 'kernel' && isIpvsUnavailable(e)) {
        // Keep VRRP and health checks running; say why IPVS cannot be programmed, retry every resync.
        const why = `${(e as Error).message}; virtual servers are not programmed until it is loaded (retried at every resync), VRRP and health checks keep running`;
        log.error({ err: (e as Error).message }, why);
        process.stderr.write(`lvsd: ${why}\n`);
        return serve(
          args,
          w,
          loaded.config,
          awaitingIpvs(() => w.openDataplane('kernel')),
          log,
        );
      }
      log.fatal({ err: (e as Error).message }, 'cannot open the dataplane');
      process.stderr.write(`lvsd: ${(e as Error).message}\n`);
      return 1;
    }
  }
  return serve(args, w, loaded.config, opened, log);
}

async function serve<C>(
  args: DaemonArgs,
  w: Wiring<C>,
  config: C,
  opened: OpenedDataplane | undefined,
  log: Logger,
): Promise<number> {
  const g = w.model.globals(config);
  let daemon: Daemon<C> | undefined;
  // Without metrics_listen nothing can ever read the metrics (the listener is not added by a reload),
  // so prom-client is not even loaded (~30-40 ms of module loading before the first probe).
  const metrics = g.metricsListen
    ? await createMetrics(() => (daemon ? snapshot(daemon) : Promise.resolve([])))
    : undefined;
  const overrides = new Overrides(g.stateFile);
  const bad = overrides.load();
  if (bad) log.warn(bad);
  daemon = new Daemon<C>({
    model: w.model,
    configPath: args.file,
    config,
    reconciler: opened ? w.reconciler(opened.dataplane, systemClock, log) : undefined,
    readTable: opened ? () => opened.dataplane.read() : undefined,
    dataplaneKind: opened ? args.dataplane : 'none',
    // the target count only sizes the probe metrics: not worth building 10,000 targets without them
    health: await w.health(systemClock, log, metrics?.registry, metrics ? w.model.targets(config).length : 0),
    vrrp: async (inst, c) =>
      w.vrrp(
        inst,
        w.model.globals(c).routerId,
        log.child({ layer: 'vrrp' }),
        metrics?.registry ?? (await unreadRegistry()),
      ),
    overrides,
    clock: systemClock,
    log,
    metrics,
  });
  const stopSignals = waitForStop(log, daemon);
  const listeners = await startListeners(daemon, g.controlSocket, g.metricsListen, metrics, log);
  if (!listeners) {
    await daemon.stop();
    await opened?.dataplane.close();
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
    await opened?.dataplane.close();
    return 1;
  }
  log.info({ config: args.file, dataplane: opened ? args.dataplane : 'none', pid: process.pid }, 'lvsd started');
  const code = await stopSignals;
  await listeners.control.close();
  await listeners.http?.close();
  await opened?.dataplane.close();
  log.info('lvsd stopped');
  return code;
}

/** The daemon's metrics (prom-client is imported here, only when metrics_listen is set). */
async function createMetrics(snap: () => Promise<DestSnapshot[]>): Promise<DaemonMetrics> {
  const { DaemonMetrics } = await import('../metrics/daemon-metrics.js');
  return new DaemonMetrics(snap);
}

/** A registry nobody scrapes, for VRRP's series when there is no metrics listener. */
async function unreadRegistry() {
  const { Registry } = await import('prom-client');
  return new Registry();
}

async function startListeners<C>(
  daemon: Daemon<C>,
  sock: string,
  listen: string | undefined,
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

function waitForStop<C>(log: Logger, daemon: Daemon<C>): Promise<number> {
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
function unhealthy<C>(d: Daemon<C>): string | undefined {
  const e = d.lastPass?.error;
  return e ? `reconcile failing: ${e}` : undefined;
}

async function snapshot<C>(d: Daemon<C>): Promise<DestSnapshot[]> {
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
