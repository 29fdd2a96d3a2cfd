/**
 * Hostile-input suite, signals (issue 12, defects 1 and 2): what a local user or a careless operator
 * can do to a running lvsd with kill(1), and what lvsd must do.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { SIGNAL_ACTIONS } from '../../../src/daemon/signals.js';
import { hasRoot } from '../../support/root.js';
import { LvsdProcess, Scratch, lvsctl, requireBuild } from '../daemon-support.js';
import { Lab, until } from '../vrrp/lab.js';
import { listening, oneService, table } from './support.js';

describe.skipIf(!hasRoot('host: hostile signals'))('hostile input: signals', () => {
  const s = new Scratch();
  afterAll(() => s.cleanup());
  const sock = s.path('lvsd.sock');

  it('a local user sends SIGUSR1 (keepalived habit): no inspector, nothing new listens, a status line is logged', async () => {
    requireBuild();
    const cfg = s.write('usr1.toml', oneService(s));
    const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    await d.logged('started', (l) => l.msg === 'lvsd started');
    const before = listening(d.proc.pid!);
    d.proc.kill('SIGUSR1');
    const line = await d.logged('status dump', (l) => l.msg === 'SIGUSR1: status');
    expect(JSON.stringify(line.status)).toContain('"name":"web"');
    await new Promise((r) => setTimeout(r, 500)); // the inspector would be listening by now
    expect(listening(d.proc.pid!)).toEqual(before);
    expect(d.stderr).not.toContain('Debugger listening');
    expect(lvsctl(['-s', sock, 'status']).code).toBe(0);
    d.proc.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('NODE_OPTIONS=--inspect in the environment: the inspector is closed at start and said so', async () => {
    const cfg = s.write('inspect.toml', oneService(s));
    const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory'], {
      env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' },
    });
    await d.logged('started', (l) => l.msg === 'lvsd started');
    expect(d.lines.some((l) => String(l.msg).includes('inspector was open'))).toBe(true);
    expect(listening(d.proc.pid!)).toEqual([]);
    d.proc.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('every signal lvsd gives no stopping meaning (USR1, USR2, ALRM, TSTP, ...) leaves it running with its table unchanged', async () => {
    const cfg = s.write('all.toml', oneService(s));
    const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    await d.logged('started', (l) => l.msg === 'lvsd started');
    const t0 = table(sock);
    const survivable = Object.entries(SIGNAL_ACTIONS)
      .filter(([, a]) => a === 'status' || a === 'counters' || a === 'ignore')
      .map(([sig]) => sig);
    expect(survivable).toContain('SIGUSR2');
    for (const sig of survivable) {
      process.kill(d.proc.pid!, constants.signals[sig as keyof typeof constants.signals]);
      await new Promise((r) => setTimeout(r, 100));
      expect(d.proc.exitCode, `after ${sig}`).toBeNull();
    }
    await d.logged('counters', (l) => l.msg === 'SIGUSR2: counters');
    await d.logged('an ignored signal named', (l) => String(l.msg).startsWith('SIGALRM ignored'));
    expect(table(sock)).toEqual(t0);
    d.proc.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });
});

/** The VRRP master: a fatal signal still hands the VIP over; a meaningless one does not move it. */
describe.skipIf(!hasRoot('host: hostile signals with VRRP'))('hostile input: signals to a VRRP master', () => {
  const lab = new Lab('hsig');
  afterAll(() => lab.close());
  const vip = `${lab.net}.98`;

  function start(): { proc: ReturnType<typeof spawn>; log: () => string } {
    const conf = join(lab.dir, 'lvsd.toml');
    writeFileSync(
      conf,
      [
        '[global]',
        'router_id = "lb1"',
        `control_socket = "${lab.dir}/lvsd.sock"`,
        `state_file = "${lab.dir}/state.json"`,
        '[[vrrp_instance]]',
        'name = "VI_98"',
        'interface = "eth0"',
        'virtual_router_id = 98',
        'priority = 150',
        'version = 3',
        'advert_interval = "100ms"',
        `virtual_ipaddress = ["${vip}/24"]`,
        '',
      ].join('\n'),
    );
    let out = '';
    const proc = spawn(
      'ip',
      ['netns', 'exec', lab.routers[0]!.ns.name, process.execPath, resolve('bin/lvsd'), '-f', conf],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    return { proc, log: () => out };
  }

  it('SIGUSR2 (kills a stock Node process silently): lvsd keeps running and keeps the VIP; the backup never takes it', async () => {
    lab.startKeepalived(1, { vrid: 98, priority: 100, version: 3, intervalMs: 100, vips: [`${vip}/24`] });
    const d = start();
    try {
      await until(() => lab.holders(vip).join() === '0', 15_000, 'lvsd holding the VIP');
      d.proc.kill('SIGUSR2');
      // a dead master is replaced after ~3 adverts (0.35 s); watch three times that
      const t0 = Date.now();
      while (Date.now() - t0 < 1500) {
        expect(lab.holders(vip).join(), `VIP holders ${Date.now() - t0} ms after SIGUSR2`).toBe('0');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(d.proc.exitCode).toBeNull();
      expect(d.log()).toContain('SIGUSR2: counters');

      // SIGABRT from outside: fatal, but the VIP is released like on SIGTERM (priority-0 advert)
      const t1 = Date.now();
      d.proc.kill('SIGABRT');
      await until(() => lab.holders(vip).join() === '1', 3000, 'the backup taking over after the fatal stop');
      expect(Date.now() - t1).toBeLessThan(2000);
      await until(() => d.proc.exitCode !== null, 10_000, 'lvsd exiting');
      expect(d.proc.exitCode).toBe(1);
      expect(d.log()).toContain('SIGABRT: stopping');
      expect(lab.holds(0, vip)).toBe(false);
    } finally {
      d.proc.kill('SIGKILL');
    }
  });
});
