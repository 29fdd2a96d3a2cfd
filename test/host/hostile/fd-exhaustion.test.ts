/**
 * Hostile-input suite, resource limits (issue 12, defect 7): lvsd runs under `prlimit --nofile`, and
 * its file descriptors are exhausted from outside, first by a local user holding hundreds of
 * connections to both listeners, then by the limit itself lowered under the daemon's feet. Every real
 * server must keep its true health (the local EMFILE is never a backend failure), and lvsctl must
 * answer once the pressure is gone.
 */
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { LVSD, LvsdProcess, Scratch, freePort, lvsctl, requireBuild, waitFor } from '../daemon-support.js';
import { table } from './support.js';

const LIMIT = 200;

describe.skipIf(!hasRoot('host: fd exhaustion'))('hostile input: file descriptors exhausted from outside', () => {
  const s = new Scratch();
  const held: Socket[] = [];
  afterAll(() => {
    held.forEach((c) => c.destroy());
    s.cleanup();
  });
  const sock = s.path('lvsd.sock');

  it(`under prlimit --nofile=${LIMIT}: 600 held connections, then no descriptor left at all: no server changes health, lvsctl answers after`, async () => {
    requireBuild();
    // backends in their own processes: the attacker below blocks this process's event loop
    const up = [await freePort(), await freePort()];
    for (const [i, p] of up.entries()) await s.nginx(`be${i}`, p);
    const down = await freePort(); // nothing listens: connection refused, truly down
    const metrics = await freePort();
    const rs = (p: number) => `  [[virtual_server.real_server]]\n  address = "127.0.0.1"\n  port = ${p}\n`;
    const cfg = s.write(
      'fd.toml',
      `[global]\ncontrol_socket = "${sock}"\nstate_file = "${s.path('state.json')}"\nmetrics_listen = "127.0.0.1:${metrics}"\n` +
        `[[virtual_server]]\nname = "web"\naddress = "10.250.0.1"\nport = 80\n` +
        `  [virtual_server.check]\n  type = "http"\n  interval = "300ms"\n  timeout = "250ms"\n  rise = 2\n  fall = 2\n` +
        [...up, down].map(rs).join(''),
    );
    const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory'], {
      cmd: ['prlimit', `--nofile=${LIMIT}:${LIMIT}`, process.execPath, LVSD],
    });
    const pid = d.proc.pid!;
    const truth = { [`127.0.0.1:${up[0]}`]: 'up', [`127.0.0.1:${up[1]}`]: 'up', [`127.0.0.1:${down}`]: 'down' };
    const health = () => Object.fromEntries(Object.entries(table(sock)).map(([k, v]) => [k, v.health]));
    try {
      await d.logged('started', (l) => l.msg === 'lvsd started');
      await waitFor('the true health', () => JSON.stringify(health()) === JSON.stringify(truth), 20_000).catch((e) => {
        throw new Error(`${(e as Error).message}: ${JSON.stringify(health())} ${d.stderr}`);
      });
      await d.logged(
        'the down server logged down',
        (l) => l.msg === 'health transition' && l.target === `127.0.0.1:${down}`,
      );
      const transitions = () => d.lines.filter((l) => l.msg === 'health transition').length;
      const settled = transitions();

      // 1. a local user opens 300 connections to each listener and holds them
      for (let i = 0; i < 300; i++) {
        for (const target of [{ path: sock }, { port: metrics, host: '127.0.0.1' }]) {
          const c = connect(target as never);
          c.on('error', () => undefined);
          held.push(c);
        }
      }
      await new Promise((r) => setTimeout(r, 3000)); // 10 probe rounds
      expect(
        transitions(),
        `health transitions while 600 connections were held: ${JSON.stringify(
          d.lines
            .filter((l) => l.msg === 'health transition')
            .slice(settled)
            .map((l) => [l.target, l.to, l.reason]),
        )}`,
      ).toBe(settled);
      expect(fdsOf(pid)).toBeLessThan(LIMIT);
      held.splice(0).forEach((c) => c.destroy());
      await waitFor('lvsctl answering', () => lvsctl(['-s', sock, 'status']).code === 0, 20_000, 300);
      expect(health()).toEqual(truth);

      // 2. the soft limit lowered to what is open now: every new socket fails with EMFILE
      const open = fdsOf(pid);
      expect(spawnSync('prlimit', ['--pid', String(pid), `--nofile=${open}:${LIMIT}`]).status).toBe(0);
      await new Promise((r) => setTimeout(r, 3000));
      expect(transitions(), 'health transitions while no descriptor was left').toBe(settled);
      const local = d.lines.find((l) => l.msg === 'probe failed on this host (not counted against the server)');
      expect(String(local?.reason)).toMatch(/EMFILE/);
      expect(spawnSync('prlimit', ['--pid', String(pid), `--nofile=${LIMIT}:${LIMIT}`]).status).toBe(0);
      await waitFor('lvsctl answering again', () => lvsctl(['-s', sock, 'status']).code === 0, 20_000, 300);
      expect(health()).toEqual(truth);
      expect(transitions()).toBe(settled);
      expect(d.proc.exitCode).toBeNull();
    } finally {
      d.proc.kill('SIGTERM');
      await d.exited;
    }
  });
});

function fdsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
