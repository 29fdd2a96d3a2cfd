import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { Lab, until } from './lab.js';

/** The real daemon (`bin/lvsd -f`) with a VRRP-only config: no virtual_server, so no IPVS needed. */
describe.skipIf(!hasRoot('host: lvsd -f with a VRRP-only config'))(
  'lvsd -f, VRRP only (like keepalived -P), with keepalived as the peer',
  () => {
    const lab = new Lab('vdm');
    let daemon: ChildProcess | undefined;
    let log = '';
    afterAll(() => {
      daemon?.kill('SIGKILL');
      lab.close();
    });
    const vip = `${lab.net}.97`;

    it('holds the VIP as master, and hands it to keepalived with a priority-0 advert on SIGTERM', async () => {
      const conf = join(lab.dir, 'lvsd.toml');
      writeFileSync(
        conf,
        [
          '[global]',
          'router_id = "lb1"',
          `control_socket = "${lab.dir}/lvsd.sock"`,
          `state_file = "${lab.dir}/state.json"`,
          '',
          '[[vrrp_instance]]',
          'name = "VI_97"',
          'interface = "eth0"',
          'virtual_router_id = 97',
          'priority = 150',
          'version = 3',
          'advert_interval = "100ms"',
          `virtual_ipaddress = ["${vip}/24"]`,
          '',
        ].join('\n'),
      );
      lab.startKeepalived(1, { vrid: 97, priority: 100, version: 3, intervalMs: 100, vips: [`${vip}/24`] });
      daemon = spawn(
        'ip',
        ['netns', 'exec', lab.routers[0]!.ns.name, process.execPath, resolve('bin/lvsd'), '-f', conf],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      daemon.stdout!.on('data', (d: Buffer) => (log += d.toString()));
      daemon.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      try {
        await until(() => lab.holders(vip).join() === '0', 15_000, 'lvsd -f holding the VIP');
        // The worker adds the VIP before the main thread logs the transition: wait for the line.
        await until(() => /VRRP VI_97: BACKUP -> MASTER/.test(log), 5000, 'the BACKUP -> MASTER transition in the log');
        expect(log).toMatch(/VRRP VI_97: BACKUP -> MASTER/);
        const t0 = Date.now();
        daemon.kill('SIGTERM');
        await until(() => lab.holders(vip).join() === '1', 3000, 'keepalived taking over after the priority-0 advert');
        expect(Date.now() - t0).toBeLessThan(1500);
        await until(() => daemon!.exitCode !== null, 10_000, 'lvsd exiting');
        expect(daemon.exitCode).toBe(0);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${log.slice(-4000)}\n${lab.dump()}`);
      }
    });
  },
);
