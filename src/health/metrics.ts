/**
 * Prometheus metrics of the health engine, registered on the registry the daemon passes in:
 *  - lvsd_probe_duration_seconds{kind,target} histogram (one observation per probe round);
 *  - lvsd_health_transitions_total{to} counter (one per target id per verdict change);
 *  - lvsd_probes_total{kind,result} counter, result = ok | failed | timeout (one per probe round;
 *    counted in a Float64Array and handed to prom-client when scraped: nothing hashed per probe);
 *  - lvsd_probes_in_flight gauge (read from the engine when scraped);
 *  - lvsd_scheduler_lag_seconds histogram (how late each probe started vs its due time).
 * A health shard (shards.ts) keeps its own HealthMetrics and ships what it counted with takeDelta();
 * the main thread's instance folds that in with addDelta(), so /metrics shows the same series.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { type SeriesId, SeriesHistogram } from './series-histogram.js';

/** Values of lvsd_probes_total's `result` label, in slot order. */
export const PROBE_RESULTS = ['ok', 'failed', 'timeout'] as const;

/** The engine's metric handles. `perTarget: false` drops the `target` label (for very large fleets). */
export class HealthMetrics {
  readonly probeDuration: SeriesHistogram;
  readonly transitions: Counter<'to'>;
  readonly inFlight: Gauge;
  /** lvsd_scheduler_lag_seconds (no labels): observe(seconds). */
  readonly schedulerLag: { observe(seconds: number): void };
  private readonly lag: SeriesHistogram;
  private readonly perTarget: boolean;
  private readInFlight: (() => number) | undefined;
  private results = new Float64Array(3 * 8);
  private readonly resultKinds: string[] = [];
  /** Duration series already named in a takeDelta(). */
  private shippedSeries = 0;

  /** Registers the four metrics on `registry` (throws if they are already registered there). */
  constructor(registry: Registry, opts: { perTarget?: boolean } = {}) {
    this.perTarget = opts.perTarget ?? true;
    const registers = [registry];
    this.probeDuration = new SeriesHistogram(
      'lvsd_probe_duration_seconds',
      'Duration of one health-check round, by check kind and target',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registry,
    );
    this.transitions = new Counter({
      name: 'lvsd_health_transitions_total',
      help: 'Health verdict changes',
      labelNames: ['to'],
      registers,
    });
    const self = this; // prom-client calls collect() with the gauge as `this`
    new Counter({
      name: 'lvsd_probes_total',
      help: 'Health-check rounds by check kind and result (ok, failed, timeout)',
      labelNames: ['kind', 'result'],
      registers,
      collect() {
        this.reset();
        self.resultKinds.forEach((kind, i) => {
          PROBE_RESULTS.forEach((result, r) => this.inc({ kind, result }, self.results[i * 3 + r]));
        });
      },
    });
    this.inFlight = new Gauge({
      name: 'lvsd_probes_in_flight',
      help: 'Health-check rounds currently running',
      registers,
      collect() {
        if (self.readInFlight) this.set(self.readInFlight());
      },
    });
    this.lag = new SeriesHistogram(
      'lvsd_scheduler_lag_seconds',
      'How late probes started compared with their due time',
      [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registry,
      false,
    );
    const lagSeries = this.lag.series('', '');
    this.schedulerLag = { observe: (seconds) => this.lag.observe(lagSeries, seconds) };
  }

  /**
   * What was counted since the last call (probe results, durations, scheduler lag), then zeroes it:
   * a shard's instance is a buffer the main thread's drains. Transitions and in-flight rounds are not
   * in it (the main thread counts transitions from the events it delivers and asks shards for rounds).
   */
  takeDelta(): HealthMetricsDelta {
    const results = this.results.slice(0, 3 * this.resultKinds.length);
    this.results.fill(0);
    const series = this.probeDuration.labelsFrom(this.shippedSeries);
    this.shippedSeries += series.length;
    return {
      kinds: [...this.resultKinds],
      results,
      series,
      durations: this.probeDuration.drain(),
      lag: this.lag.drain(),
    };
  }

  /**
   * Adds a delta from takeDelta() of another instance. `seen` belongs to that source (one array per
   * shard, empty at first): it maps the source's duration series to this instance's and grows here.
   */
  addDelta(d: HealthMetricsDelta, seen: SeriesId[]): void {
    d.kinds.forEach((kind, i) => {
      const slot = this.resultSlot(kind);
      for (let r = 0; r < 3; r++) this.results[slot + r] += d.results[i * 3 + r];
    });
    for (const l of d.series) seen.push(this.probeDuration.series(l.kind, this.perTarget ? l.target : ''));
    const w = this.probeDuration.width;
    for (let id = 0; id * w < d.durations.length && id < seen.length; id++)
      this.probeDuration.addRaw(seen[id], d.durations, id * w);
    this.lag.addRaw(0, d.lag, 0);
  }

  /** Records one round's duration. */
  observeProbe(kind: string, target: string, ms: number): void {
    this.observeProbeWith(this.probeLabels(kind, target), ms);
  }

  /** The duration series of (kind, target), made once: keep it and pass it to observeProbeWith. */
  probeLabels(kind: string, target: string): SeriesId {
    return this.probeDuration.series(kind, this.perTarget ? target : '');
  }

  /** Records one round's duration in a series from probeLabels (nothing allocated per round). */
  observeProbeWith(series: SeriesId, ms: number): void {
    this.probeDuration.observe(series, ms / 1000);
  }

  /** The counter slot of a check kind, made once per kind: keep it and pass it to countProbe. */
  resultSlot(kind: string): number {
    let i = this.resultKinds.indexOf(kind);
    if (i < 0) {
      i = this.resultKinds.push(kind) - 1;
      if (this.results.length < 3 * (i + 1)) {
        const grown = new Float64Array(this.results.length * 2);
        grown.set(this.results);
        this.results = grown;
      }
    }
    return i * 3;
  }

  /** Counts one round's result in a slot from resultSlot. */
  countProbe(slot: number, ok: boolean, timedOut: boolean | undefined): void {
    this.results[slot + (ok ? 0 : timedOut ? 2 : 1)]++;
  }

  /**
   * Makes the in-flight gauge read `read()` when scraped, instead of being set twice per round
   * (12,000 rounds/s made that a measurable share of the engine's time). The last call wins.
   */
  trackInFlight(read: () => number): void {
    this.readInFlight = read;
  }
}

/** Counts one HealthMetrics gathered since its last takeDelta() (structured-clone friendly). */
export interface HealthMetricsDelta {
  /** Check kinds in slot order; `results` has ok, failed, timeout per kind. */
  kinds: string[];
  results: Float64Array;
  /** Labels of the duration series first named since the last delta (ids continue from there). */
  series: Array<{ kind: string; target: string }>;
  /** Per duration series (id order): counts per bucket, +Inf, sum, count. */
  durations: Float64Array;
  /** The scheduler lag histogram: counts per bucket, +Inf, sum, count. */
  lag: Float64Array;
}
