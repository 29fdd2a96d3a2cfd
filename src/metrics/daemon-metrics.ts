/**
 * The daemon's Prometheus metrics (prom-client). Per-destination series are computed at scrape time
 * from one snapshot per scrape the daemon provides (configured/current weight, health, kernel IPVS
 * stats) and rendered as text by dest-series.ts (nothing per destination is kept between scrapes), so
 * a destination removed from the config disappears from /metrics at the next scrape.
 *
 * Series (labels vs = virtual server name, rs = "addr:port"):
 *   lvsd_destination_weight{vs,rs}                current weight in the dataplane (kernel)
 *   lvsd_destination_configured_weight{vs,rs}     weight from the config
 *   lvsd_destination_up{vs,rs}                    1 healthy, 0 not
 *   lvsd_destination_drained{vs,rs}               1 when drained by lvsctl or by removal
 *   lvsd_ipvs_connections_total{vs,rs}            IPVS conns counter (kernel)
 *   lvsd_ipvs_packets_total{vs,rs,direction}      in/out packets (kernel)
 *   lvsd_ipvs_bytes_total{vs,rs,direction}        in/out bytes (kernel)
 *   lvsd_ipvs_active_connections{vs,rs}, lvsd_ipvs_inactive_connections{vs,rs}
 *   lvsd_reconcile_total, lvsd_reconcile_duration_seconds, lvsd_reconcile_errors_total,
 *   lvsd_reconcile_writes_total, lvsd_reloads_total{result="ok"|"failed"}, lvsd_config_generation,
 *   lvsd_up (1 while running)
 *   lvsd_announce_announced{vip}                  1 while the VIP's route is announced ([announce]), 0 withdrawn
 *   lvsd_announce_withdrawals_total{vip}          withdrawals since start
 *   lvsd_ecmp_dest_fingerprint{vs}                ecmp virtual servers: the destination fingerprint (8 hex
 *                                                 digits as a number); equal on every director ⇔ same mh table
 *   lvsd_build_info{version,node} 1
 *   lvsd_config_info{sha256} 1                    hash of the running config file's text
 *   lvsd_config_last_reload_successful             1 when the last reload was applied, 0 when rejected
 *   lvsd_config_last_reload_timestamp_seconds      time of the last reload attempt (start time before any)
 *   lvsd_config_last_reload_success_timestamp_seconds
 *   lvsd_virtual_server_quorum{vs}                 configured quorum (0 = none)
 *   lvsd_virtual_server_live_weight{vs}            weight of up, undrained real servers (what quorum compares)
 *   lvsd_virtual_server_quorum_up{vs}              1 at or above quorum, 0 below (serving the sorry server)
 *   lvsd_virtual_server_destinations_up{vs}        real servers whose check says up
 *   process_* and nodejs_* (prom-client's default metrics: RSS, open fds, CPU, heap, event loop lag)
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DEST_FAMILY_NAMES, destSeriesPieces, renderDestSeries, type DestSnapshot } from './dest-series.js';
import { MetricsQueryError } from './http.js';

export type { DestSnapshot } from './dest-series.js';

/** Quorum view of one virtual server at scrape time. */
export interface VsSnapshot {
  vs: string;
  quorum: number;
  liveWeight: number;
  belowQuorum: boolean;
  destinationsUp: number;
}

/** Build identity for lvsd_build_info. */
export interface BuildInfo {
  version: string;
}

/** Owner of the registry and of every lvsd_* series the daemon itself exports. */
export class DaemonMetrics {
  readonly registry = new Registry();
  /** Scrapes begun (text() or pieces()): the quorum gauges take one snapshot per scrape. */
  private scrapes = 0;
  private readonly reconciles: Counter;
  private readonly reconcileErrors: Counter;
  private readonly reconcileWrites: Counter;
  private readonly reconcileSeconds: Histogram;
  private readonly reloads: Counter<'result'>;
  private readonly generation: Gauge;
  private readonly announcedVip: Gauge<'vip'>;
  private readonly withdrawals: Counter<'vip'>;
  private readonly snapshot: () => Promise<DestSnapshot[]>;
  private readonly configInfo: Gauge<'sha256'>;
  private readonly lastReload: Gauge;
  private readonly lastReloadOk: Gauge;
  private readonly lastReloadOkAt: Gauge;
  private vsSnapshot: () => VsSnapshot[] = () => [];

  /**
   * `fingerprints` gives the ecmp virtual servers' fingerprints at scrape time; `opts.build` adds
   * lvsd_build_info; `opts.defaults: false` leaves out prom-client's process metrics (tests).
   */
  constructor(
    snapshot: () => Promise<DestSnapshot[]>,
    fingerprints: () => Promise<Array<{ vs: string; fingerprint: string }>> = async () => [],
    opts: { build?: BuildInfo; defaults?: boolean } = {},
  ) {
    this.snapshot = snapshot;
    const r = this.registry;
    this.announcedVip = new Gauge({
      name: 'lvsd_announce_announced',
      help: "1 while the VIP's host route is announced, 0 while withdrawn",
      labelNames: ['vip'],
      registers: [r],
    });
    this.withdrawals = new Counter({
      name: 'lvsd_announce_withdrawals_total',
      help: 'VIP withdrawals (health lost, maintenance, shutdown, removed from the config)',
      labelNames: ['vip'],
      registers: [r],
    });
    new Gauge({
      name: 'lvsd_ecmp_dest_fingerprint',
      help: "ecmp virtual servers: fingerprint of the kernel's ordered destinations and weights (equal on every director = same mh table)",
      labelNames: ['vs'],
      registers: [r],
      async collect() {
        const list = await fingerprints();
        this.reset();
        for (const f of list) this.set({ vs: f.vs }, Number.parseInt(f.fingerprint, 16));
      },
    });
    if (opts.defaults !== false) collectDefaultMetrics({ register: r });
    const build = new Gauge({
      name: 'lvsd_build_info',
      help: 'lvsd version and the Node.js running it (always 1)',
      labelNames: ['version', 'node'],
      registers: [r],
    });
    build.set({ version: opts.build?.version ?? 'unknown', node: process.version }, 1);
    this.configInfo = new Gauge({
      name: 'lvsd_config_info',
      help: 'SHA-256 of the running config file (always 1)',
      labelNames: ['sha256'],
      registers: [r],
    });
    this.lastReload = new Gauge({
      name: 'lvsd_config_last_reload_timestamp_seconds',
      help: 'Time of the last reload attempt (the start time before any)',
      registers: [r],
    });
    this.lastReloadOk = new Gauge({
      name: 'lvsd_config_last_reload_successful',
      help: '1 when the last reload was applied (or none was tried), 0 when it was rejected',
      registers: [r],
    });
    this.lastReloadOkAt = new Gauge({
      name: 'lvsd_config_last_reload_success_timestamp_seconds',
      help: 'Time the running config was applied',
      registers: [r],
    });
    this.lastReloadOk.set(1);
    this.vsGauges(r);
    this.reconciles = new Counter({ name: 'lvsd_reconcile_total', help: 'Reconcile passes run', registers: [r] });
    this.reconcileErrors = new Counter({
      name: 'lvsd_reconcile_errors_total',
      help: 'IPVS operations that failed (retried later)',
      registers: [r],
    });
    this.reconcileWrites = new Counter({
      name: 'lvsd_reconcile_writes_total',
      help: 'IPVS operations sent to the dataplane',
      registers: [r],
    });
    this.reconcileSeconds = new Histogram({
      name: 'lvsd_reconcile_duration_seconds',
      help: 'Time of one reconcile pass (read, diff, apply)',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [r],
    });
    this.reloads = new Counter({
      name: 'lvsd_reloads_total',
      help: 'Config reloads by result',
      labelNames: ['result'],
      registers: [r],
    });
    this.generation = new Gauge({
      name: 'lvsd_config_generation',
      help: 'Config generation: 1 at start, +1 per successful reload',
      registers: [r],
    });
    new Gauge({ name: 'lvsd_up', help: '1 while the daemon runs', registers: [r] }).set(1);
    this.reloads.inc({ result: 'ok' }, 0);
    this.reloads.inc({ result: 'failed' }, 0);
  }

  /** Records one reconcile pass. */
  reconciled(seconds: number, writes: number, failed: number): void {
    this.reconciles.inc();
    this.reconcileSeconds.observe(seconds);
    this.reconcileWrites.inc(writes);
    this.reconcileErrors.inc(failed);
  }

  /** Records a reload attempt at `at` (ms since the epoch). */
  reloaded(ok: boolean, at = Date.now()): void {
    this.reloads.inc({ result: ok ? 'ok' : 'failed' });
    this.lastReload.set(at / 1000);
    this.lastReloadOk.set(ok ? 1 : 0);
    if (ok) this.lastReloadOkAt.set(at / 1000);
  }

  /** Records the config now running: its file's SHA-256 and the time it was applied (ms since the epoch). */
  configApplied(sha256: string, at: number, initial = false): void {
    this.configInfo.reset();
    this.configInfo.set({ sha256 }, 1);
    this.lastReloadOkAt.set(at / 1000);
    if (initial) this.lastReload.set(at / 1000);
  }

  /** Where the per-virtual-server quorum series come from (read when scraped). */
  setVirtualServers(read: () => VsSnapshot[]): void {
    this.vsSnapshot = read;
  }

  private vsGauges(r: Registry): void {
    const self = this;
    const series: Array<[string, string, (v: VsSnapshot) => number]> = [
      ['lvsd_virtual_server_quorum', 'Configured quorum of a virtual server (0 = none)', (v) => v.quorum],
      [
        'lvsd_virtual_server_live_weight',
        'Weight of the up, undrained real servers (compared with quorum)',
        (v) => v.liveWeight,
      ],
      ['lvsd_virtual_server_quorum_up', '1 at or above quorum, 0 below (sorry server)', (v) => (v.belowQuorum ? 0 : 1)],
      ['lvsd_virtual_server_destinations_up', 'Real servers whose check says up', (v) => v.destinationsUp],
    ];
    // One snapshot per scrape fills all four: the first gauge's collect sets every one of them
    // (prom-client calls collect at the start of each metric's get, in registration order). A scrape
    // of some families only (pieces(families)) may skip the first: the others fill when the snapshot
    // is not from this scrape yet.
    let filledFor = -1;
    const gauges = series.map(
      ([name, help], i) =>
        new Gauge({
          name,
          help,
          labelNames: ['vs'],
          registers: [r],
          collect: () => (i === 0 || filledFor !== self.scrapes ? fill() : undefined),
        }),
    );
    const fill = () => {
      filledFor = self.scrapes;
      for (const g of gauges) g.reset();
      for (const v of self.vsSnapshot())
        for (let i = 0; i < gauges.length; i++) gauges[i]!.set({ vs: v.vs }, series[i]![2](v));
    };
  }

  /** Sets a VIP's announced gauge. */
  announced(vip: string, on: boolean): void {
    this.announcedVip.set({ vip }, on ? 1 : 0);
  }

  /** Counts a VIP's withdrawal. */
  withdrawn(vip: string): void {
    this.withdrawals.inc({ vip });
  }

  /** Sets the config generation. */
  setGeneration(n: number): void {
    this.generation.set(n);
  }

  /** Prometheus text exposition: the registry's series, then the per-destination ones (dest-series.ts). */
  async text(): Promise<string> {
    this.scrapes++;
    const [registered, dests] = await Promise.all([this.registry.metrics(), this.snapshot()]);
    return `${withNewline(registered)}${renderDestSeries(dests)}`;
  }

  /**
   * text() in pieces for a server to send one event-loop turn apart (the same text once joined):
   * the registry's series, then the per-destination ones a few thousand lines at a time.
   * `families`: only those (in the order registered, then the per-destination ones), and no
   * destination snapshot unless one of them is per destination; rejects with MetricsQueryError
   * naming a family that does not exist.
   */
  async pieces(families?: readonly string[]): Promise<Iterable<string>> {
    this.scrapes++;
    if (!families) {
      const [registered, dests] = await Promise.all([this.registry.metrics(), this.snapshot()]);
      return (function* () {
        yield withNewline(registered);
        yield* destSeriesPieces(dests);
      })();
    }
    const perDest = new Set(families.filter((f) => DEST_FAMILY_NAMES.includes(f)));
    const unknown = families.find((f) => !perDest.has(f) && !this.registry.getSingleMetric(f));
    if (unknown !== undefined) throw new MetricsQueryError(`unknown metric family "${unknown}"`);
    const wanted = new Set(families);
    const registered = this.registry.getMetricsAsArray().filter((m) => wanted.has(m.name));
    const [texts, dests] = await Promise.all([
      Promise.all(registered.map((m) => this.registry.getSingleMetricAsString(m.name))),
      perDest.size > 0 ? this.snapshot() : [],
    ]);
    return (function* () {
      for (const t of texts) yield withNewline(t);
      if (perDest.size > 0) yield* destSeriesPieces(dests, undefined, perDest);
    })();
  }
}

/** The registry's text ends with a newline before more series follow (empty stays empty). */
function withNewline(text: string): string {
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}
