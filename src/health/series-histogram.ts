/**
 * A Prometheus histogram with one series per (kind, target), its counts in one Float64Array: a
 * prom-client Histogram keeps an object with a bucket dictionary per label set, about 10 MB of live
 * heap for 12,000 targets (bench/results/health.md), and hashes the labels on every observation.
 * Registers on a prom-client Registry like any metric (name, help, type, get, reset) and prints the
 * same text: `_bucket{le}` cumulative, `_sum`, `_count`. Unlabeled (`labeled: false`) it prints no
 * kind/target labels, as a prom-client Histogram without labels does. Its counts can be moved between
 * instances (drain / labelsFrom / addRaw): a health shard (shards.ts) ships them to the main thread.
 */
import type { Registry } from 'prom-client';

/** Handle of one series, from `series()`. */
export type SeriesId = number;

/** A `histogram` metric over the labels kind and target, with fixed buckets (upper bounds, ascending). */
export class SeriesHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly ids = new Map<string, SeriesId>();
  private readonly labels: Array<{ kind: string; target: string }> = [];
  /** Per series: one count per bucket (not cumulative), one for +Inf, then sum and count. */
  private data = new Float64Array(0);
  private readonly stride: number;

  /** Registers itself on `registry` (throws if the name is taken there, as prom-client does). */
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry | undefined,
    private readonly labeled = true,
  ) {
    this.stride = buckets.length + 3;
    registry?.registerMetric(this as never);
  }

  /** Numbers per series in drain()'s array: one count per bucket, one for +Inf, sum, count. */
  get width(): number {
    return this.stride;
  }

  /** Labels of the series whose id is `start` or more, in id order. */
  labelsFrom(start: number): Array<{ kind: string; target: string }> {
    return this.labels.slice(start);
  }

  /** Every series' numbers (`width` per series, in id order) gathered since the last drain; zeroes them. */
  drain(): Float64Array {
    const out = this.data.slice(0, this.labels.length * this.stride);
    this.data.fill(0);
    return out;
  }

  /** Adds `width` numbers from `from` at `offset` (as drain() lays them out) to series `id`. */
  addRaw(id: SeriesId, from: Float64Array, offset: number): void {
    const base = id * this.stride;
    for (let k = 0; k < this.stride; k++) this.data[base + k] += from[offset + k];
  }

  /** The series of (kind, target), made on first use; keep it and pass it to observe(). */
  series(kind: string, target: string): SeriesId {
    const key = `${kind}|${target}`;
    let id = this.ids.get(key);
    if (id !== undefined) return id;
    id = this.labels.length;
    this.labels.push({ kind, target });
    this.ids.set(key, id);
    if ((id + 1) * this.stride > this.data.length) {
      const grown = new Float64Array(Math.max(16, (id + 1) * 2) * this.stride);
      grown.set(this.data);
      this.data = grown;
    }
    return id;
  }

  /** Adds one observation of `value` (seconds) to series `id`. */
  observe(id: SeriesId, value: number): void {
    const base = id * this.stride;
    let b = 0;
    while (b < this.buckets.length && value > this.buckets[b]) b++;
    this.data[base + b]++;
    this.data[base + this.buckets.length + 1] += value;
    this.data[base + this.buckets.length + 2]++;
  }

  /** The metric in prom-client's shape (what Registry.metrics() prints). */
  get(): {
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }>;
  } {
    const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
    const n = this.buckets.length;
    this.labels.forEach((series, id) => {
      const l = this.labeled ? series : {};
      const base = id * this.stride;
      let cum = 0;
      for (let b = 0; b <= n; b++) {
        cum += this.data[base + b];
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { le: b < n ? this.buckets[b] : '+Inf', ...l },
          value: cum,
        });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { ...l }, value: this.data[base + n + 1] });
      values.push({ metricName: `${this.name}_count`, labels: { ...l }, value: this.data[base + n + 2] });
    });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Zeroes every series (Registry.resetMetrics). */
  reset(): void {
    this.data.fill(0);
  }
}
