/// <reference lib="dom" />
/**
 * The status page's script, run in the BROWSER: page.ts embeds the source of `pageMain` (and of
 * status-delta.ts's apply functions, passed in as `lib`), so `pageMain` must use nothing from its
 * module scope, only its parameters, its own nested functions and the browser's globals.
 *
 * It opens the live feed (server-sent events at `status/events`, relative to the page so it works
 * at `/`, `/status` and behind a path prefix), keeps the last report, applies each delta and
 * renders keyed rows: a row's cells are rewritten only when their text changed, so 10,000 real
 * servers stay cheap. Every value goes into the DOM as text (never as markup). Sections for parts
 * the daemon does not report (sync, announcements, transitions, reload diff) stay hidden.
 */

/** What the page script gets from the server side. */
export interface PageLib {
  applyStatusDelta: (target: Record<string, unknown>, delta: unknown, keyed: Record<string, string>) => unknown;
  keyed: Record<string, string>;
  /** Relative URL of the event stream. */
  events: string;
}

/** Entry point of the page script (see the module comment: self-contained). */
export function pageMain(lib: PageLib): void {
  type O = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  let status: O | undefined;
  let skew = 0; // server clock minus browser clock (ms)
  let lastEvent = 0;
  const $ = (id: string) => document.getElementById(id)!;
  const vsEls = new Map<string, { el: HTMLElement; head: HTMLElement; body: HTMLElement; rows: Map<string, Row> }>();
  type Row = { tr: HTMLTableRowElement; sig: string; text: string; problem: boolean };

  function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function age(ms: number): string {
    const s = Math.max(0, Math.floor((ms || 0) / 1000));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
    return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
  }
  const now = () => Date.now() + skew;
  const ago = (t: unknown) => (typeof t === 'number' ? `${age(now() - t)} ago` : '-');
  const num = (v: unknown) => (v === undefined || v === null ? '-' : String(v));

  function rate(st: O | undefined): string {
    if (!st || st.cps === undefined) return '-';
    return `${st.cps}/s ${bytes(Number(st.inbps))}↓ ${bytes(Number(st.outbps))}↑`;
  }
  function bytes(n: number): string {
    if (!(n >= 0)) return '-';
    const u = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < u.length - 1) ((n /= 1000), i++);
    return `${i ? n.toFixed(1) : n}${u[i]}/s`;
  }

  function operatorState(r: O): string {
    if (r.adminState) return r.adminState;
    return r.drained ? 'drain' : 'ready';
  }
  function weights(r: O): string {
    const cfg =
      r.weightOverride !== undefined ? `${r.configuredWeight} (set ${r.weightOverride})` : num(r.configuredWeight);
    return `${cfg} / ${num(r.desiredWeight)} / ${num(r.kernelWeight)}`;
  }
  function why(r: O): string {
    const parts: string[] = [];
    const st = operatorState(r);
    if (st !== 'ready' && !r.why)
      parts.push(`${st} by the operator${r.adminByService ? ' (whole virtual server)' : ''}`);
    if (r.why) parts.push(String(r.why));
    if (r.health !== 'unchecked' && r.reason && !String(r.why ?? '').includes(r.reason))
      parts.push(`check: ${r.reason}`);
    if (r.kernelWeight === null) parts.push('not in the kernel table');
    return parts.join('; ');
  }
  function isProblem(r: O): boolean {
    return r.health === 'down' || operatorState(r) !== 'ready' || r.kernelWeight === null || r.kernelWeight === 0;
  }

  const COLS = [
    'real server',
    'health',
    'state',
    'weight cfg / want / kernel',
    'act / inact',
    'conns',
    'rate',
    'since',
    'why',
  ];
  function rowCells(r: O): string[] {
    const conns = `${num(r.active)} / ${num(r.inactive)}`;
    const since = r.healthSince;
    return [
      String(r.rs),
      String(r.health),
      operatorState(r),
      weights(r),
      conns,
      num(r.stats?.conns),
      rate(r.stats),
      ago(since),
      why(r),
    ];
  }

  function renderRow(rows: Map<string, Row>, body: HTMLElement, r: O, prev: Element | null): Row {
    let row = rows.get(r.rs);
    if (!row) {
      const tr = el('tr');
      tr.dataset.rs = r.rs;
      for (const c of COLS) {
        const td = el('td');
        td.dataset.label = c;
        tr.append(td);
      }
      row = { tr, sig: '', text: '', problem: false };
      rows.set(r.rs, row);
    }
    const cells = rowCells(r);
    const sig = cells.join('\u0000');
    if (sig !== row.sig) {
      cells.forEach((c, i) => {
        const td = row!.tr.children[i] as HTMLElement;
        if (td.textContent !== c) td.textContent = c;
      });
      row.tr.className = `h-${r.health} s-${operatorState(r)}`;
      row.sig = sig;
      row.text = sig.toLowerCase();
      row.problem = isProblem(r);
    }
    const want = prev ? prev.nextSibling : body.firstChild;
    if (want !== row.tr) body.insertBefore(row.tr, want);
    return row;
  }

  function renderVs(vs: O, prevSection: Element | null): void {
    let v = vsEls.get(vs.name);
    if (!v) {
      const section = el('section', 'vs');
      section.dataset.vs = vs.name;
      const head = el('div', 'vs-head');
      const table = el('table');
      const thead = el('thead');
      const htr = el('tr');
      for (const c of COLS) htr.append(el('th', undefined, c));
      thead.append(htr);
      const body = el('tbody');
      table.append(thead, body);
      section.append(head, table);
      v = { el: section, head, body, rows: new Map() };
      vsEls.set(vs.name, v);
    }
    const container = $('vs');
    const want = prevSection ? prevSection.nextSibling : container.firstChild;
    if (want !== v.el) container.insertBefore(v.el, want);
    renderVsHead(v.head, vs);
    const seen = new Set<string>();
    let prev: Element | null = null;
    for (const r of vs.realServers ?? []) {
      prev = renderRow(v.rows, v.body, r, prev).tr;
      seen.add(r.rs);
    }
    for (const x of vs.extraDestinations ?? []) {
      const key = `extra ${x.rs}`;
      const r = {
        rs: key,
        health: 'extra',
        drained: false,
        configuredWeight: '-',
        desiredWeight: '-',
        kernelWeight: x.weight,
        active: x.active,
        inactive: x.inactive,
        why: x.role ?? 'not in config: draining, sorry server or unmanaged',
      };
      prev = renderRow(v.rows, v.body, r, prev).tr;
      (v.rows.get(key)!.tr.firstChild as HTMLElement).textContent = x.rs;
      seen.add(key);
    }
    for (const [k, row] of v.rows) if (!seen.has(k)) (row.tr.remove(), v.rows.delete(k));
  }

  function renderVsHead(head: HTMLElement, vs: O): void {
    const rs: O[] = vs.realServers ?? [];
    const up = rs.filter((r) => r.health === 'up').length;
    const q = vs.quorum;
    const quorum = vs.belowQuorum
      ? `BELOW QUORUM: live weight ${num(q?.liveWeight)} < ${num(q?.quorum)}${q?.sorryServer ? `, sorry server ${q.sorryServer} serves` : ''}`
      : q && q.quorum > 0
        ? `quorum ok (live weight ${num(q.liveWeight)}, quorum ${num(q.quorum)})`
        : '';
    const parts = [
      ['name', vs.name],
      ['svc', vs.service],
      ['sched', vs.scheduler],
      ['count', `${up}/${rs.length} up`],
      ['quorum', quorum],
      ['kernel', vs.inKernel ? '' : 'NOT IN KERNEL'],
      ['state', vs.adminState && vs.adminState !== 'ready' ? vs.adminState : ''],
      ['traffic', vs.stats ? `conns ${vs.stats.conns}  ${rate(vs.stats)}` : ''],
    ];
    const sig = JSON.stringify(parts) + vs.belowQuorum;
    if (head.dataset.sig === sig) return;
    head.dataset.sig = sig;
    head.replaceChildren(...parts.filter(([, t]) => t).map(([c, t]) => el('span', c, t)));
    head.classList.toggle('bad', !!vs.belowQuorum || !vs.inKernel);
  }

  function renderDaemon(d: O): void {
    $('router').textContent = d.routerId ?? '';
    const reload = d.lastReload;
    const cards: Array<[string, string, string?]> = [
      ['pid', num(d.pid)],
      ['up', ago(d.startedAt).replace(' ago', '')],
      ['config', `${num(d.configFile)} (gen ${num(d.generation)})`],
      ['dataplane', num(d.dataplane)],
      [
        'last reload',
        reload ? `${reload.ok ? 'ok' : 'REJECTED'} ${ago(reload.at)}` : 'none',
        reload && !reload.ok ? 'bad' : '',
      ],
      [
        'last reconcile',
        d.lastReconcile
          ? `${d.lastReconcile.ops} ops ${ago(d.lastReconcile.at)}${d.lastReconcile.error ? ' ERROR ' + d.lastReconcile.error : ''}`
          : '-',
        d.lastReconcile?.error ? 'bad' : '',
      ],
    ];
    const box = $('daemon');
    box.replaceChildren(
      ...cards.map(([k, v, cls]) => {
        const c = el('div', `card ${cls ?? ''}`);
        c.append(el('span', 'k', k), el('span', 'v', v));
        return c;
      }),
    );
    renderReload(reload);
  }

  function renderReload(r: O | undefined): void {
    const sec = $('reload-sec');
    sec.hidden = !r;
    if (!r) return;
    const lines: string[] = [`${r.ok ? 'applied' : 'REJECTED, running the previous config'} ${ago(r.at)}`];
    if (r.summary) lines.push(String(r.summary));
    for (const c of r.diff ?? [])
      lines.push(
        typeof c === 'string'
          ? c
          : `${c.change ?? ''} ${c.kind ?? ''} ${c.name ?? ''}${c.detail ? ': ' + c.detail : ''}`,
      );
    for (const p of r.problems ?? []) lines.push(`${p.path}: ${p.message}`);
    $('reload').replaceChildren(...lines.map((l) => el('div', undefined, l)));
  }

  /** Renders any JSON value as text: an array of objects as a table, an object as key/value rows. */
  function generic(value: unknown): HTMLElement {
    if (Array.isArray(value) && value.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      const keys = [...new Set(value.flatMap((x) => Object.keys(x)))];
      const t = el('table', 'generic');
      const h = el('tr');
      keys.forEach((k) => h.append(el('th', undefined, k)));
      t.append(h);
      for (const x of value as O[]) {
        const tr = el('tr');
        keys.forEach((k) => tr.append(cell(k, x[k])));
        t.append(tr);
      }
      return t;
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const t = el('table', 'generic kv');
      for (const [k, v] of Object.entries(value)) {
        const tr = el('tr');
        tr.append(el('th', undefined, k), cell(k, v));
        t.append(tr);
      }
      return t;
    }
    return el('div', undefined, value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));
  }
  function cell(k: string, v: unknown): HTMLElement {
    const td = el('td');
    td.dataset.label = k;
    td.textContent =
      v === undefined
        ? ''
        : typeof v === 'string'
          ? v
          : /(^|[a-z])(at|since)$/i.test(k) && typeof v === 'number'
            ? ago(v)
            : JSON.stringify(v);
    return td;
  }

  function renderOptional(id: string, value: unknown): void {
    const present = value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
    $(`${id}-sec`).hidden = !present;
    const sig = JSON.stringify(value) + Math.floor(now() / 1000);
    const box = $(id);
    if (!present || box.dataset.sig === sig) return;
    box.dataset.sig = sig;
    box.replaceChildren(generic(value));
  }

  function renderVrrp(list: O[] | undefined): void {
    const rows = (list ?? []).map((v) => ({
      instance: v.name,
      state: v.state,
      priority:
        v.effectivePriority !== undefined && v.effectivePriority !== v.priority
          ? `${v.priority} (effective ${v.effectivePriority})`
          : v.priority,
      master: v.masterIp ?? '',
      since: v.since,
      reason: v.reason ?? '',
    }));
    renderOptional('vrrp', rows.length ? rows : undefined);
  }

  function renderTransitions(list: O[] | undefined): void {
    const sec = $('transitions-sec');
    sec.hidden = !list || list.length === 0;
    if (sec.hidden) return;
    const items = [...list!].reverse().map((t) => {
      const li = el('li');
      const subject = [t.kind, t.vs, t.rs, t.name].filter(Boolean).join(' ');
      li.append(
        el('time', undefined, ago(t.at)),
        el('span', 'subj', subject),
        el('span', 'move', `${num(t.from)} → ${num(t.to)}`),
        el('span', 'reason', t.reason ?? ''),
      );
      return li;
    });
    $('transitions').replaceChildren(...items);
  }

  function applyFilter(): void {
    const q = ($('filter') as HTMLInputElement).value.trim().toLowerCase();
    const problemsOnly = ($('problems') as HTMLInputElement).checked;
    for (const [name, v] of vsEls) {
      let shown = 0;
      const vsMatch = !!q && name.toLowerCase().includes(q);
      for (const row of v.rows.values()) {
        const hide = (problemsOnly && !row.problem) || (!!q && !vsMatch && !row.text.includes(q));
        if (row.tr.hidden !== hide) row.tr.hidden = hide;
        if (!hide) shown++;
      }
      v.el.hidden = shown === 0 && (!!q || problemsOnly);
    }
  }

  function render(): void {
    if (!status) return;
    renderDaemon(status.daemon ?? {});
    const seen = new Set<string>();
    let prev: Element | null = null;
    for (const vs of status.virtualServers ?? []) {
      renderVs(vs, prev);
      prev = vsEls.get(vs.name)!.el;
      seen.add(vs.name);
    }
    for (const [k, v] of vsEls) if (!seen.has(k)) (v.el.remove(), vsEls.delete(k));
    renderVrrp(status.vrrp);
    renderOptional('sync', status.sync);
    renderOptional('announce', status.announcements);
    renderTransitions(status.transitions);
    applyFilter();
    $('updated').textContent = `updated ${new Date(now()).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
  }

  function setLive(ok: boolean, text: string): void {
    const live = $('live');
    live.textContent = text;
    live.className = ok ? 'live ok' : 'live wait';
  }

  function received(): void {
    lastEvent = Date.now();
    const at = status?.generatedAt;
    if (typeof at === 'number') skew = at - Date.now();
    setLive(true, 'live');
    render();
  }

  const es = new EventSource(lib.events);
  es.addEventListener('snapshot', (e) => {
    status = JSON.parse((e as MessageEvent).data);
    received();
  });
  es.addEventListener('delta', (e) => {
    if (!status) return;
    lib.applyStatusDelta(status, JSON.parse((e as MessageEvent).data), lib.keyed);
    received();
  });
  es.onerror = () => setLive(false, es.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…');
  $('filter').addEventListener('input', applyFilter);
  $('problems').addEventListener('change', applyFilter);
  // Ages move on between updates; a stream silent for a while is shown as stale.
  setInterval(() => {
    if (lastEvent && Date.now() - lastEvent > 20_000)
      setLive(false, `stale: no update for ${age(Date.now() - lastEvent)}`);
    render();
  }, 1000);
}
