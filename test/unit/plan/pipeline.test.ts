/**
 * Config → planner → reconciler → memory dataplane, the way the daemon chains them: startup adoption,
 * a reload that changes one weight (1 write), a scheduler change (edit in place), a removed server
 * that drains while it has connections, a removed service, and an invalid reload that changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { diffConfigs, summary } from '../../../src/config/diff.js';
import { parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { MemoryDataplane } from '../../../src/dataplane/memory.js';
import { emptyMemory, plan, type PlannerMemory } from '../../../src/plan/desired.js';
import { NO_ADMIN } from '../../../src/plan/admin.js';
import { Reconciler } from '../../../src/plan/reconciler.js';
import { ManualClock } from '../../../src/util/clock.js';
import { config } from './helpers.js';

const text = (opts: { weight?: number; sched?: string; servers?: string[]; api?: boolean } = {}) =>
  `[global]\ndrain_timeout = "1m"\n[[virtual_server]]\nname = "web"\naddress = "10.0.0.1"\nport = 80\nscheduler = "${opts.sched ?? 'wrr'}"\n` +
  (opts.servers ?? ['10.0.1.1', '10.0.1.2', '10.0.1.3'])
    .map(
      (a, i) =>
        `[[virtual_server.real_server]]\naddress = "${a}"\nport = 8080\nweight = ${i === 0 ? (opts.weight ?? 10) : 10}\n`,
    )
    .join('') +
  (opts.api === false
    ? ''
    : '[[virtual_server]]\nname = "api"\naddress = "10.0.0.2"\nport = 443\n[[virtual_server.real_server]]\naddress = "10.0.2.1"\nport = 443\n');

class Daemon {
  memory: PlannerMemory = emptyMemory();
  previous?: Config;
  extraOwned = new Set<string>();
  readonly clock = new ManualClock();
  readonly rec: Reconciler;
  constructor(
    readonly dp: MemoryDataplane,
    public cfg: Config,
  ) {
    this.rec = new Reconciler({ dataplane: dp, clock: this.clock });
  }
  async sync() {
    const p = plan(
      {
        config: this.cfg,
        previous: this.previous,
        health: () => undefined,
        admin: NO_ADMIN,
        now: this.clock.now(),
        actual: this.rec.lastActual(),
      },
      this.memory,
    );
    this.memory = p.memory;
    const owned = new Set([...this.cfg.virtual_server, ...(this.previous?.virtual_server ?? [])].map((v) => v.key));
    for (const k of p.drainingServices) owned.add(k);
    return this.rec.reconcile(p.table, owned);
  }
  reload(t: string): string {
    const r = parseConfig(t, 'reload.toml');
    if (!r.ok) return 'invalid';
    const line = summary(diffConfigs(this.cfg, r.config));
    this.previous = this.cfg;
    this.cfg = r.config;
    return line;
  }
}

describe('config → plan → reconcile', () => {
  it('walks through startup, reloads, drains and an invalid reload', async () => {
    const dp = new MemoryDataplane();
    dp.apply([
      {
        op: 'add-service',
        service: {
          id: { af: 'inet', protocol: 'tcp', address: '192.0.2.9', port: 22 },
          scheduler: 'rr',
          flags: 0,
          timeout: 0,
          netmask: 0xffffffff,
        },
      },
    ]);
    const d = new Daemon(dp, config(text()));
    expect((await d.sync()).writes).toBe(6); // 2 services + 4 dests
    // restart: a new daemon adopts the table: zero writes
    const d2 = new Daemon(dp, config(text()));
    expect((await d2.sync()).writes).toBe(0);
    // one weight changed: exactly one write
    expect(d2.reload(text({ weight: 20 }))).toBe('+0 services -0 services ~0 services, +0 dests -0 dests ~1 dests');
    const w = await d2.sync();
    expect(w.ops.map((o) => o.op)).toEqual(['edit-dest']);
    // scheduler changed: edited in place, no delete/re-add
    d2.reload(text({ weight: 20, sched: 'wlc' }));
    expect((await d2.sync()).ops.map((o) => o.op)).toEqual(['edit-service']);
    // a real server removed while it has connections: weight 0 first, deleted once they end
    dp.setConns(
      { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
      { address: '10.0.1.3', port: 8080 },
      { active: 2 },
    );
    d2.reload(text({ weight: 20, sched: 'wlc', servers: ['10.0.1.1', '10.0.1.2'] }));
    await d2.sync(); // weight 0
    const r1 = await d2.sync(); // reads weight 0 with 2 connections: keeps it
    const web = () =>
      dp
        .snapshot()
        .services.find((s) => s.id.port === 80)!
        .destinations.map((x) => [x.address, x.weight]);
    expect(web()).toEqual([
      ['10.0.1.1', 20],
      ['10.0.1.2', 10],
      ['10.0.1.3', 0],
    ]);
    expect(r1.writes).toBe(0);
    dp.setConns(
      { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
      { address: '10.0.1.3', port: 8080 },
      { active: 0 },
    );
    await d2.sync(); // this pass's read sees 0 conns (the planner used the previous read)
    await d2.sync(); // planned with that read: deletes
    expect(web()).toEqual([
      ['10.0.1.1', 20],
      ['10.0.1.2', 10],
    ]);
    // a service removed (its server has no connections): gone; the foreign service is untouched
    d2.reload(text({ weight: 20, sched: 'wlc', servers: ['10.0.1.1', '10.0.1.2'], api: false }));
    await d2.sync(); // weight 0 (the table read before it still shows weight 1)
    expect(dp.snapshot().services.find((s) => s.id.port === 443)!.destinations[0]!.weight).toBe(0);
    await d2.sync(); // this pass's read is the first to show weight 0 (the planner used the previous read)
    await d2.sync(); // planned with a read at weight 0 and no connections: deletes the service
    expect(
      dp
        .snapshot()
        .services.map((s) => s.id.port)
        .sort(),
    ).toEqual([22, 80]);
    await d2.sync(); // the finished drain is forgotten
    expect(
      dp
        .snapshot()
        .services.map((s) => s.id.port)
        .sort(),
    ).toEqual([22, 80]);
    // an invalid reload changes nothing
    const before = JSON.stringify(dp.snapshot());
    const writes = dp.writes;
    expect(d2.reload(text().replace('weight = 10', 'weight = -1'))).toBe('invalid');
    await d2.sync();
    expect(JSON.stringify(dp.snapshot())).toBe(before);
    expect(dp.writes).toBe(writes);
  });
});
