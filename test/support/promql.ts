/**
 * Just enough PromQL and Prometheus text exposition for the dashboard test: the metric names and
 * label names a query refers to, and the series of a /metrics page. Not a PromQL parser: strings,
 * range selectors and label matchers are cut out, and what is left that is not a function, an
 * aggregation or a keyword is a metric name.
 */

const WORDS = new Set(
  (
    'sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ignoring ' +
    'group_left group_right and or unless bool offset rate irate increase delta idelta deriv changes resets ' +
    'histogram_quantile time vector scalar abs ceil floor round clamp clamp_min clamp_max label_replace ' +
    'label_join sort sort_desc absent absent_over_time avg_over_time max_over_time min_over_time ' +
    'sum_over_time count_over_time last_over_time predict_linear timestamp inf nan'
  ).split(' '),
);

/** A query's metric names, and the label names it matches on, groups by or joins on. */
export function queryRefs(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  let e = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\[[^\]]*\]/g, '');
  e = e.replace(/\{([^}]*)\}/g, (_m, inner: string) => {
    for (const m of inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) labels.push(m[1]);
    return ' ';
  });
  e = e.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_m, _k, inner: string) => {
    labels.push(
      ...inner
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    return ' ';
  });
  const metrics = [...e.matchAll(/(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((w) => !WORDS.has(w));
  return { metrics: [...new Set(metrics)], labels: [...new Set(labels)] };
}

/** Series of a text exposition: metric name → the label names seen on its samples. */
export function exposedSeries(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s/.exec(line);
    if (!m) continue;
    const set = out.get(m[1]) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) set.add(l[1]);
    out.set(m[1], set);
  }
  return out;
}

/** Every PromQL expression of a Grafana dashboard: panel targets, template queries, annotations. */
export function dashboardQueries(dash: unknown): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  const d = dash as {
    panels?: Array<{ title?: string; targets?: Array<{ expr?: string }>; panels?: unknown[] }>;
    templating?: { list?: Array<{ name: string; query?: string | { query?: string } }> };
    annotations?: { list?: Array<{ name: string; expr?: string }> };
  };
  const panels = (d.panels ?? []).flatMap((p) => [p, ...((p.panels ?? []) as typeof d.panels & object)]);
  for (const p of panels)
    for (const t of p.targets ?? []) if (t.expr) out.push({ where: `panel "${p.title}"`, expr: t.expr });
  for (const v of d.templating?.list ?? []) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    const m = q ? /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(q) : null;
    if (m) out.push({ where: `variable $${v.name}`, expr: `count by (${m[2]}) (${m[1]})` });
  }
  for (const a of d.annotations?.list ?? []) if (a.expr) out.push({ where: `annotation "${a.name}"`, expr: a.expr });
  return out;
}
