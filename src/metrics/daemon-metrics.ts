/**
 * The daemon's Prometheus metrics (prom-client). Per-destination series are computed at scrape time
 * from a snapshot the daemon provides (configured/current weight, health, kernel IPVS stats), so a
 * destination removed from the config disappears from /metrics at the next scrape.
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
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Stats } from '../ipvs/types.js';

/** One destination as the metrics see it at scrape time. */
export interface DestSnapshot {
  vs: string;
  rs: string;
  configuredWeight: number;
  /** Weight read from the dataplane; undefined when the destination is not in the table. */
  weight?: number;
  up: boolean;
  drained: boolean;
  active?: number;
  inactive?: number;
  stats?: Stats;
}

/** Owner of the registry and of every lvsd_* series the daemon itself exports. */
export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly reconciles: Counter;
  private readonly reconcileErrors: Counter;
  private readonly reconcileWrites: Counter;
  private readonly reconcileSeconds: Histogram;
  private readonly reloads: Counter<'result'>;
  private readonly generation: Gauge;

  constructor(snapshot: () => Promise<DestSnapshot[]>) {
    snapshot = memo(snapshot, 1000);
    const r = this.registry;
    this.reconciles = new Counter({ name: 'lvsd_reconcile_total', help: 'Reconcile passes run', registers: [r] });
    this.reconcileErrors = new Counter({ name: 'lvsd_reconcile_errors_total', help: 'IPVS operations that failed (retried later)', registers: [r] });
    this.reconcileWrites = new Counter({ name: 'lvsd_reconcile_writes_total', help: 'IPVS operations sent to the dataplane', registers: [r] });
    this.reconcileSeconds = new Histogram({
      name: 'lvsd_reconcile_duration_seconds',
      help: 'Time of one reconcile pass (read, diff, apply)',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [r],
    });
    this.reloads = new Counter({ name: 'lvsd_reloads_total', help: 'Config reloads by result', labelNames: ['result'], registers: [r] });
    this.generation = new Gauge({ name: 'lvsd_config_generation', help: 'Config generation: 1 at start, +1 per successful reload', registers: [r] });
    new Gauge({ name: 'lvsd_up', help: '1 while the daemon runs', registers: [r] }).set(1);
    this.reloads.inc({ result: 'ok' }, 0);
    this.reloads.inc({ result: 'failed' }, 0);
    registerDestSeries(r, snapshot);
  }

  /** Records one reconcile pass. */
  reconciled(seconds: number, writes: number, failed: number): void {
    this.reconciles.inc();
    this.reconcileSeconds.observe(seconds);
    this.reconcileWrites.inc(writes);
    this.reconcileErrors.inc(failed);
  }

  /** Records a reload attempt. */
  reloaded(ok: boolean): void {
    this.reloads.inc({ result: ok ? 'ok' : 'failed' });
  }

  /** Sets the config generation. */
  setGeneration(n: number): void {
    this.generation.set(n);
  }

  /** Prometheus text exposition of every registered series. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

type Labels = { vs: string; rs: string };

function registerDestSeries(r: Registry, snapshot: () => Promise<DestSnapshot[]>): void {
  const gauge = (name: string, help: string, pick: (d: DestSnapshot) => number | undefined) =>
    new Gauge<'vs' | 'rs'>({
      name,
      help,
      labelNames: ['vs', 'rs'],
      registers: [r],
      async collect() {
        const snap = await snapshot();
        this.reset();
        for (const d of snap) {
          const v = pick(d);
          if (v !== undefined) this.set(labelsOf(d), v);
        }
      },
    });
  gauge('lvsd_destination_weight', 'Current weight in the dataplane', (d) => d.weight);
  gauge('lvsd_destination_configured_weight', 'Weight from the config', (d) => d.configuredWeight);
  gauge('lvsd_destination_up', '1 when the health check says up', (d) => (d.up ? 1 : 0));
  gauge('lvsd_destination_drained', '1 when drained (lvsctl drain or removal)', (d) => (d.drained ? 1 : 0));
  gauge('lvsd_ipvs_active_connections', 'IPVS active connections', (d) => d.active);
  gauge('lvsd_ipvs_inactive_connections', 'IPVS inactive connections', (d) => d.inactive);
  kernelCounter(r, snapshot, 'lvsd_ipvs_connections_total', 'IPVS connections (kernel counter)', [['', 'conns']]);
  kernelCounter(r, snapshot, 'lvsd_ipvs_packets_total', 'IPVS packets (kernel counter)', [['in', 'inpkts'], ['out', 'outpkts']]);
  kernelCounter(r, snapshot, 'lvsd_ipvs_bytes_total', 'IPVS bytes (kernel counter)', [['in', 'inbytes'], ['out', 'outbytes']]);
}

function kernelCounter(
  r: Registry,
  snapshot: () => Promise<DestSnapshot[]>,
  name: string,
  help: string,
  fields: Array<[string, keyof Stats]>,
): void {
  const directional = fields[0][0] !== '';
  new Counter<string>({
    name,
    help,
    labelNames: directional ? ['vs', 'rs', 'direction'] : ['vs', 'rs'],
    registers: [r],
    async collect() {
      const snap = await snapshot();
      this.reset();
      for (const d of snap) {
        if (!d.stats) continue;
        for (const [dir, f] of fields) {
          const labels: Record<string, string> = { ...labelsOf(d) };
          if (directional) labels.direction = dir;
          this.inc(labels, Number(d.stats[f]));
        }
      }
    },
  });
}

/** One snapshot shared by every series of a scrape (reused for `ms`). */
function memo<T>(f: () => Promise<T>, ms: number): () => Promise<T> {
  let at = -Infinity;
  let p: Promise<T> | undefined;
  return () => {
    if (!p || Date.now() - at > ms) {
      at = Date.now();
      p = f();
    }
    return p;
  };
}

function labelsOf(d: DestSnapshot): Labels {
  return { vs: d.vs, rs: d.rs };
}
