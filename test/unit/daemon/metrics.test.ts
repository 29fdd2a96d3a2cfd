import { afterEach, describe, expect, it } from 'vitest';
import { DaemonMetrics } from '../../../src/metrics/daemon-metrics.js';
import { MetricsQueryError, MetricsServer } from '../../../src/metrics/http.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('daemon metrics', () => {
  it('exports per-destination weight, health and kernel counters from the snapshot, plus reconcile/reload series', async () => {
    let calls = 0;
    const m = new DaemonMetrics(async () => {
      calls++;
      return [
        {
          vs: 'web',
          rs: '10.0.0.2:80',
          configuredWeight: 100,
          weight: 0,
          up: false,
          drained: false,
          active: 3,
          inactive: 1,
          stats: {
            conns: 42n,
            inpkts: 10n,
            outpkts: 9n,
            inbytes: 1000n,
            outbytes: 2000n,
            cps: 0n,
            inpps: 0n,
            outpps: 0n,
            inbps: 0n,
            outbps: 0n,
          },
        },
        { vs: 'web', rs: '10.0.0.3:80', configuredWeight: 50, up: true, drained: true },
      ];
    });
    m.reconciled(0.002, 3, 1);
    m.reloaded(true);
    m.reloaded(false);
    m.setGeneration(4);
    const t = await m.text();
    expect(t).toContain('lvsd_destination_weight{vs="web",rs="10.0.0.2:80"} 0');
    expect(t).not.toContain('lvsd_destination_weight{vs="web",rs="10.0.0.3:80"}');
    expect(t).toContain('lvsd_destination_configured_weight{vs="web",rs="10.0.0.3:80"} 50');
    expect(t).toContain('lvsd_destination_up{vs="web",rs="10.0.0.2:80"} 0');
    expect(t).toContain('lvsd_destination_drained{vs="web",rs="10.0.0.3:80"} 1');
    expect(t).toContain('lvsd_ipvs_connections_total{vs="web",rs="10.0.0.2:80"} 42');
    expect(t).toContain('lvsd_ipvs_bytes_total{vs="web",rs="10.0.0.2:80",direction="out"} 2000');
    expect(t).toContain('lvsd_ipvs_active_connections{vs="web",rs="10.0.0.2:80"} 3');
    expect(t).toContain('lvsd_reconcile_writes_total 3');
    expect(t).toContain('lvsd_reconcile_errors_total 1');
    expect(t).toContain('lvsd_reloads_total{result="failed"} 1');
    expect(t).toContain('lvsd_config_generation 4');
    expect(calls).toBe(1); // one snapshot shared by every series of a scrape
  });

  it('serves /metrics, /healthz (200 or 503 with the reason) and 404 over HTTP', async () => {
    let why: string | undefined;
    const s = await MetricsServer.listen(
      { host: '127.0.0.1', port: 0 },
      { metrics: async () => 'x 1\n', unhealthy: () => why },
    );
    servers.push(s);
    const base = `http://127.0.0.1:${s.port()}`;
    expect(await (await fetch(`${base}/metrics`)).text()).toBe('x 1\n');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    why = 'reconcile failing: EPERM';
    const h = await fetch(`${base}/healthz`);
    expect(h.status).toBe(503);
    expect(await h.text()).toContain('EPERM');
    expect((await fetch(`${base}/other`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('a /metrics answer in pieces is sent whole, with the event loop running between two pieces', async () => {
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const seen: number[] = [];
    const s = await MetricsServer.listen(
      { host: '127.0.0.1', port: 0 },
      {
        metrics: async () =>
          (function* () {
            for (let i = 0; i < 5; i++) {
              seen.push(turns);
              yield `x_${i} ${i}\n`;
            }
          })(),
        unhealthy: () => undefined,
      },
    );
    servers.push(s);
    const text = await (await fetch(`http://127.0.0.1:${s.port()}/metrics`)).text();
    spinning = false;
    expect(text).toBe('x_0 0\nx_1 1\nx_2 2\nx_3 3\nx_4 4\n');
    // every piece after the first was produced after other work had a turn
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
  });

  it('DaemonMetrics.pieces() joined is text()', async () => {
    const snap = [{ vs: 'web', rs: '10.0.0.2:80', configuredWeight: 100, weight: 3, up: true, drained: false }];
    const m = new DaemonMetrics(async () => snap, undefined, { defaults: false });
    expect([...(await m.pieces())].join('')).toBe(await m.text());
  });

  it('pieces(families) gives only the families named, reads no destination snapshot unless one is asked, and refuses an unknown one', async () => {
    let calls = 0;
    const m = new DaemonMetrics(
      async () => (
        calls++,
        [{ vs: 'web', rs: '10.0.0.2:80', configuredWeight: 100, weight: 3, up: true, drained: false }]
      ),
      undefined,
      { defaults: false },
    );
    m.setGeneration(7);
    m.reconciled(0.002, 3, 0);
    const only = [...(await m.pieces(['lvsd_config_generation']))].join('');
    expect(only).toBe(
      '# HELP lvsd_config_generation Config generation: 1 at start, +1 per successful reload\n' +
        '# TYPE lvsd_config_generation gauge\nlvsd_config_generation 7\n',
    );
    expect(only).not.toContain('lvsd_reconcile');
    expect(calls).toBe(0);
    const two = [...(await m.pieces(['lvsd_destination_up', 'lvsd_reconcile_writes_total']))].join('');
    expect(two).toContain('lvsd_destination_up{vs="web",rs="10.0.0.2:80"} 1');
    expect(two).toContain('lvsd_reconcile_writes_total 3');
    expect(two).not.toContain('lvsd_destination_weight');
    expect(two).not.toContain('lvsd_config_generation');
    expect(calls).toBe(1);
    await expect(m.pieces(['lvsd_no_such'])).rejects.toThrow(MetricsQueryError);
    await expect(m.pieces(['lvsd_no_such'])).rejects.toThrow('unknown metric family "lvsd_no_such"');
  });

  it('a scrape of one quorum family alone reads a fresh snapshot', async () => {
    let live = 100;
    const m = new DaemonMetrics(async () => [], undefined, { defaults: false });
    m.setVirtualServers(() => [
      { vs: 'web', quorum: 150, liveWeight: live, belowQuorum: live < 150, destinationsUp: 1 },
    ]);
    expect(await m.text()).toContain('lvsd_virtual_server_live_weight{vs="web"} 100');
    live = 200;
    const t = [...(await m.pieces(['lvsd_virtual_server_live_weight', 'lvsd_virtual_server_quorum_up']))].join('');
    expect(t).toContain('lvsd_virtual_server_live_weight{vs="web"} 200');
    expect(t).toContain('lvsd_virtual_server_quorum_up{vs="web"} 1');
  });

  it('/metrics?name[]= passes the families on; malformed, too many or unknown ones get 400 naming the problem', async () => {
    const asked: Array<readonly string[] | undefined> = [];
    const s = await MetricsServer.listen(
      { host: '127.0.0.1', port: 0 },
      {
        metrics: async (families) => {
          asked.push(families);
          if (families?.includes('nope')) throw new MetricsQueryError('unknown metric family "nope"');
          return 'x 1\n';
        },
        unhealthy: () => undefined,
      },
    );
    servers.push(s);
    const base = `http://127.0.0.1:${s.port()}/metrics`;
    expect((await fetch(`${base}?name[]=a_b&name%5B%5D=c:d&name[]=a_b`)).status).toBe(200);
    expect((await fetch(`${base}?other=1`)).status).toBe(200);
    expect(asked).toEqual([['a_b', 'c:d'], undefined]);
    const bad = await fetch(`${base}?name[]=${encodeURIComponent('x{y="1"}')}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('bad metrics query: malformed metric family name "x{y=\\"1\\"}"\n');
    const many = await fetch(`${base}?${Array.from({ length: 65 }, (_, i) => `name[]=f${i}`).join('&')}`);
    expect(many.status).toBe(400);
    expect(await many.text()).toContain('at most 64 name[] parameters');
    const unknown = await fetch(`${base}?name[]=nope`);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('unknown metric family "nope"');
    expect(asked.length).toBe(3); // the malformed and too-many requests never reached the source
  });

  it('the per-virtual-server quorum series come from one snapshot per scrape', async () => {
    let reads = 0;
    const m = new DaemonMetrics(async () => [], undefined, { defaults: false });
    m.setVirtualServers(() => {
      reads++;
      return [
        { vs: 'web', quorum: 150, liveWeight: 100, belowQuorum: true, destinationsUp: 1 },
        { vs: 'api', quorum: 0, liveWeight: 30, belowQuorum: false, destinationsUp: 3 },
      ];
    });
    const t = await m.text();
    expect(t).toContain('lvsd_virtual_server_quorum{vs="web"} 150');
    expect(t).toContain('lvsd_virtual_server_live_weight{vs="web"} 100');
    expect(t).toContain('lvsd_virtual_server_quorum_up{vs="web"} 0');
    expect(t).toContain('lvsd_virtual_server_quorum_up{vs="api"} 1');
    expect(t).toContain('lvsd_virtual_server_destinations_up{vs="api"} 3');
    expect(reads).toBe(1);
    await m.text();
    expect(reads).toBe(2);
  });
});
