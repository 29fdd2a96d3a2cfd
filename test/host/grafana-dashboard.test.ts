/**
 * Host tier: packaging/grafana/lvsd.json against a live /metrics. lvsd runs in a namespace with the
 * memory dataplane, three nginx backends (one stopped, so a down series exists), a quorum and a
 * VRRP instance; every metric any panel, variable or annotation queries must have samples, and
 * every label it matches on, groups by or joins on must be on them (Prometheus adds `instance` and
 * `job` itself). The same check on a query naming a made-up metric must fail (contrast).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasRoot } from '../support/root.js';
import { dashboardQueries, exposedSeries, queryRefs } from '../support/promql.js';
import { CockpitLab, backendAddr } from './cockpit-lab.js';
import { ROOT, requireBuild, waitFor } from './daemon-support.js';

const TARGET_LABELS = new Set(['instance', 'job']);
/** Series that only appear once an event happened (no label value exists before): declared is enough. */
const EVENT_ONLY: Record<string, string> = {
  lvsd_vrrp_adverts_rejected_total: 'labelled by the reason of a rejected packet; none arrives in this lab',
};

/** Problems of one query against the exposed series (empty = every reference is there). */
function missing(expr: string, series: Map<string, Set<string>>, declared = new Set<string>()): string[] {
  const { metrics, labels } = queryRefs(expr);
  const absent = metrics.filter((m) => !series.has(m));
  const out = absent.filter((m) => !(EVENT_ONLY[m] && declared.has(m))).map((m) => `metric ${m}`);
  if (absent.length) return out; // labels are checked on queries whose series are all there
  const seen = new Set(metrics.flatMap((m) => [...(series.get(m) ?? [])]));
  for (const l of labels) if (!TARGET_LABELS.has(l) && !seen.has(l)) out.push(`label ${l}`);
  return out;
}

/** Metric names with a # TYPE line. */
function declaredIn(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
}

describe.skipIf(!hasRoot('host: Grafana dashboard against a live /metrics'))('Grafana dashboard', () => {
  let lab: CockpitLab;
  let text = '';
  const dash = JSON.parse(readFileSync(join(ROOT, 'packaging/grafana/lvsd.json'), 'utf8')) as {
    panels: Array<{ id: number; gridPos?: unknown; type: string }>;
  };

  beforeAll(async () => {
    requireBuild();
    lab = new CockpitLab('gf', 3);
    await lab.startBackend(0);
    await lab.startBackend(1); // backend 2 stays down
    const rs = [0, 1, 2]
      .map((i) => `  [[virtual_server.real_server]]\n  address = "${backendAddr(i)}"\n  port = 80\n  weight = 10\n`)
      .join('');
    await lab.startLvsd(`[global]
router_id = "grafana"
control_socket = "${lab.sock}"
state_file = "${lab.s.path('state.json')}"
metrics_listen = "127.0.0.1:9405"
[[virtual_server]]
name = "web"
address = "10.77.0.100"
port = 80
scheduler = "wrr"
quorum = 15
  [virtual_server.check]
  type = "http"
  path = "/"
  interval = "200ms"
  timeout = "150ms"
  rise = 1
  fall = 1
  warmup = false
${rs}
[[vrrp_instance]]
name = "VI_1"
interface = "eth0"
virtual_router_id = 77
priority = 150
advert_interval = "100ms"
virtual_ipaddress = ["10.77.0.100/24"]
`);
    // a probe of each result, a transition and a reconcile have happened once 10.77.0.13 is down
    text = await waitFor(
      'metrics with a down destination',
      () => {
        const t = lab.curl('http://127.0.0.1:9405/metrics');
        return /lvsd_destination_up\{vs="web",rs="10\.77\.0\.13:80"\} 0/.test(t) && t.includes('lvsd_vrrp_state')
          ? t
          : '';
      },
      20_000,
      200,
    );
  });
  afterAll(() => lab?.close());

  it('is a dashboard Grafana can import: unique panel ids, every panel placed, a datasource variable', () => {
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dash.panels.every((p) => p.gridPos)).toBe(true);
    expect(JSON.stringify(dash)).toContain('"uid":"${datasource}"');
  });

  it('every metric and label it queries exists in the live /metrics', () => {
    const series = exposedSeries(text);
    const queries = dashboardQueries(dash);
    expect(queries.length).toBeGreaterThan(30);
    const declared = declaredIn(text);
    const problems = queries.flatMap((q) =>
      missing(q.expr, series, declared).map((m) => `${q.where}: ${m} (${q.expr})`),
    );
    expect(problems).toEqual([]);
  });

  it('contrast: a query of a metric lvsd does not export is reported', () => {
    const series = exposedSeries(text);
    expect(missing('sum by (vs) (rate(lvsd_destination_requests_total[5m]))', series)).toEqual([
      'metric lvsd_destination_requests_total',
    ]);
    expect(missing('sum by (pool) (lvsd_destination_up)', series)).toEqual(['label pool']);
  });
});
