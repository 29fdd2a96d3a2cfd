/**
 * Kernel tier (UML, real IPVS): the daemon's kernel scenarios in ONE boot, lvsd running as root in the
 * director namespace against nginx + dnsmasq backends, traffic from a client namespace:
 * healthy, backend dies (+ slow start), drift, invalid reload, reload under traffic, crash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../support/root.js';
import { runGuest, type UmlResult } from '../support/uml.js';
import { scenarioScript } from './daemon-scenario.js';
import { parseResults, readJson, readText, transitions, windowed } from './daemon-results.js';

describe.skipIf(!hasRoot('kernel: lvsd daemon scenarios in UML'))('lvsd daemon on real IPVS (UML)', () => {
  let r: UmlResult;
  let res: Record<string, string>;
  const f = (name: string) => readText(r, name);

  beforeAll(async () => {
    // LVSD_KEEP_UML=1 keeps $OUT for debugging (its path is printed).
    r = await runGuest({
      name: 'daemon',
      script: scenarioScript({ runAs: 'root', phases: ['healthy', 'dies', 'drift', 'invalid', 'reload', 'crash'] }),
      timeoutMs: 420_000,
    });
    if (process.env.LVSD_KEEP_UML) process.stderr.write(`UML output kept in ${r.outDir}\n`);
    res = parseResults(r);
    if (!r.ok) process.stderr.write(`guest failed: ${r.log.slice(-3000)}\n${r.console.slice(-2000)}\n`);
  });
  afterAll(() => (process.env.LVSD_KEEP_UML ? undefined : r?.cleanup()));

  it('the guest ran to the end and lvsd started, stopped cleanly (SIGTERM) and kept the table (on_shutdown = keep)', () => {
    expect(r.ok, r.log.slice(-2000)).toBe(true);
    expect(res.plan_before_rc).toBe('0');
    expect(res.started).toBe('0');
    expect(res.stopped).toBe('0');
    expect(res.stop_code).toBe('0');
    expect(Number(res.stop_ms)).toBeLessThan(5000);
    expect(f('after-stop.txt')).toContain('-A -t 10.0.1.100:80 -s wrr');
  });

  it('1 healthy: ipvsadm shows exactly the planned table, --plan then has 0 ops, requests spread over 3 backends', () => {
    expect(res.healthy_converged).toBe('0');
    expect(f('plan-before.txt')).toMatch(/12 operation\(s\)/);
    expect(f('healthy-save.txt').trim().split('\n').sort()).toEqual(
      [
        '-A -t 10.0.1.100:80 -s wrr',
        '-a -t 10.0.1.100:80 -r 10.0.2.11:80 -m -w 100',
        '-a -t 10.0.1.100:80 -r 10.0.2.12:80 -m -w 100',
        '-a -t 10.0.1.100:80 -r 10.0.2.13:80 -m -w 100',
        '-A -t 10.0.1.100:8080 -s wrr',
        '-a -t 10.0.1.100:8080 -r 10.0.2.11:80 -m -w 100',
        '-a -t 10.0.1.100:8080 -r 10.0.2.12:80 -m -w 100',
        '-a -t 10.0.1.100:8080 -r 10.0.2.13:80 -m -w 100',
        '-A -u 10.0.1.100:53 -s rr',
        '-a -u 10.0.1.100:53 -r 10.0.2.11:53 -m -w 1',
        '-a -u 10.0.1.100:53 -r 10.0.2.12:53 -m -w 1',
        '-a -u 10.0.1.100:53 -r 10.0.2.13:53 -m -w 1',
      ].sort(),
    );
    expect(f('plan-after.txt')).toMatch(/: 0 operation\(s\)/);
    const b = readJson<{ http: Record<string, number>; dns: Record<string, number> }>(r, 'burst-healthy.json');
    expect(b.http, transitions(r)).toEqual({ 'backend b1': 10, 'backend b2': 10, 'backend b3': 10 });
    // rr, exactly: each query comes from its own source port (daemon-client.ts says why that matters for UDP)
    expect(b.dns, transitions(r)).toEqual({ '10.9.9.1': 10, '10.9.9.2': 10, '10.9.9.3': 10 });
  });

  it('status and metrics show weights, health and kernel stats', () => {
    expect(res.status_rc).toBe('0');
    expect(f('status.txt')).toMatch(/10\.0\.2\.11:80\s+up\s+ready\s+100\/100\/100/); // the STATE column (operator state) sits between health and weights
    const m = f('metrics.txt');
    expect(m).toContain('lvsd_destination_weight{vs="web",rs="10.0.2.11:80"} 100');
    expect(m).toMatch(/lvsd_ipvs_connections_total\{vs="web",rs="10\.0\.2\.11:80"\} [1-9]/);
    expect(m).toMatch(/lvsd_ipvs_packets_total\{vs="dns",rs="10\.0\.2\.12:53",direction="in"\} [1-9]/);
  });

  it('2 backend dies: weight 0 within fall*interval+timeout (+100 ms), traffic only to live backends, slow start on return', () => {
    expect(res.dies_rc).toBe('0');
    // applied (daemon log, guest clock) within fall × interval + timeout + 100 ms; the guest's
    // ipvsadm polling that confirms it is slower under load, so it only gets a loose bound
    const dies = windowed(r, res, 'dies'); // + the time the guest could not run in that window
    expect(dies.ms, `stalled ${dies.stalled} ms`).toBeLessThanOrEqual(2 * 500 + 300 + 100 + dies.stalled);
    expect(Number(res.dies_ms)).toBeLessThanOrEqual(2 * 500 + 300 + 3000);
    const b = readJson<{ http: Record<string, number> }>(r, 'burst-dead.json');
    expect(Object.keys(b.http).sort()).toEqual(['backend b1', 'backend b3']);
    const seq = f('slowstart.txt')
      .trim()
      .split('\n')
      .map((l) => Number(l.split(' ')[1] || NaN))
      .filter((w) => !Number.isNaN(w));
    const distinct = seq.filter((w, i) => i === 0 || w !== seq[i - 1]);
    expect(distinct.at(-1)).toBe(100);
    const ramp = distinct.slice(distinct.indexOf(0) + 1);
    expect(ramp.length, `weights seen: ${distinct.join(' ')}`).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < ramp.length; i++) expect(ramp[i]).toBeGreaterThan(ramp[i - 1]);
  });

  it('5 drift: a weight edit, ipvsadm -d and ipvsadm -C are repaired within one resync interval; the unowned service survives', () => {
    // the repair written (daemon log, guest clock) within resync_interval (2 s) + one reconcile pass in UML
    // (1 s); the guest's ipvsadm polling that confirms it is slower under load (seen: 5.1 s at load 20),
    // so it only gets a loose bound, as in phase 2
    for (const k of ['drift_edit', 'drift_del', 'drift_flush']) {
      expect(res[`${k}_rc`], k).toBe('0');
      const w = windowed(r, res, k);
      expect(w.ms, `${k}_log_ms (stalled ${w.stalled} ms)`).toBeLessThanOrEqual(2000 + 1000 + w.stalled);
      expect(Number(res[`${k}_ms`]), k).toBeLessThanOrEqual(2000 + 6000);
    }
    expect(f('drift-unowned.txt')).toContain('-a -t 10.0.1.200:80 -r 10.0.2.11:80 -m -w 3');
    expect(f('drift-after.txt')).toContain('-a -u 10.0.1.100:53 -r 10.0.2.13:53 -m -w 1');
  });

  it('4 invalid config reload: table byte-identical, daemon alive, every problem logged', () => {
    expect(res.invalid_logged).toBe('0');
    expect(res.invalid_alive).toBe('0');
    expect(f('invalid-after.txt')).toBe(f('invalid-before.txt'));
    const log = f('lvsd.log.1') + f('lvsd.log'); // lvsd.log.1: the log before the crash phase (if it ran)
    expect(log).toMatch(/"path":"virtual_server\[1\] \(api\)\.port".*"msg":"reload rejected"/);
    expect(log).toMatch(/"path":"virtual_server\[0\] \(web\)\.scheduler".*"msg":"reload rejected"/);
  });

  it('3 reload under traffic: 0 failed requests on the unchanged service, edits in place, removed backend drains', () => {
    expect(res.reload_rc).toBe('0');
    expect(res.reload_long).toBe('backend b3');
    const loop = readJson<{
      ports: Record<string, { ok: number; fail: number; errors: string[] }>;
      long: { requests: number; failures: number; notReused: number; errors: string[] };
    }>(r, 'loop1.json');
    expect(loop.ports['80'].fail, loop.ports['80'].errors.join('\n')).toBe(0);
    expect(loop.ports['80'].ok).toBeGreaterThan(20);
    expect(loop.ports['8080'].fail, loop.ports['8080'].errors.join('\n')).toBe(0);
    // on a failure, what the guest saw around it: the backend's own log and lvsd's reload and drain lines
    const around = () =>
      [
        loop.long.errors.join('\n'),
        `ng3/err: ${f('ng3/err').slice(-1500)}`,
        `lvsd (before the crash phase): ${(f('lvsd.log.1') || f('lvsd.log'))
          .split('\n')
          .filter((l) => /reload|drain|reconciled/.test(l))
          .slice(-12)
          .join('\n')}`,
      ].join('\n');
    expect(loop.long.failures, around()).toBe(0);
    expect(loop.long.requests).toBeGreaterThanOrEqual(4);
    expect(loop.long.notReused).toBe(0);
    expect(res.reload_b3_weight).toBe('0');
    const list = f('reload-list.txt');
    expect(list).toMatch(/TCP\s+10\.0\.1\.100:8080 rr/);
    expect(list).toMatch(/TCP\s+10\.0\.1\.100:8081 lc/);
    expect(f('reload-line.txt')).toMatch(/\+1 services -1 services ~1 services/);
  });

  it('6 crash: kill -9 leaves the table, restart adopts it without flushing or resetting connections', () => {
    expect(res.crash_restarted).toBe('0');
    expect(f('crash-killed.txt')).toBe(f('crash-before.txt'));
    const loop = readJson<{
      ports: Record<string, { fail: number; errors: string[] }>;
      long: { requests: number; failures: number; notReused: number; errors: string[] };
    }>(r, 'loop2.json');
    expect(loop.ports['80'].fail, loop.ports['80'].errors.join('\n')).toBe(0);
    expect(loop.long.failures, loop.long.errors.join('\n')).toBe(0);
    expect(loop.long.notReused).toBe(0);
    const after = f('lvsd.log');
    expect(after).toContain('"lvsd started"');
    expect(after).not.toMatch(/IPVS_CMD_FLUSH|"op":"flush"/);
    // converged = adopted as is: identical table, including the removed backend b3 still draining at
    // weight 0 on :8080 (its drain came back from the state file), and not a single write at restart
    expect(f('crash-after.txt')).toBe(f('crash-before.txt'));
    expect(f('crash-after.txt')).toContain('-a -t 10.0.1.100:8080 -r 10.0.2.13:80 -m -w 0');
    expect(after).not.toContain('"msg":"reconciled"');
  });
});
