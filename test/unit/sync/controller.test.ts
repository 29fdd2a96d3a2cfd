/**
 * The sync controller against the fake kernel (its sync daemons behave like ip_vs_sync.c's: one
 * per state, EEXIST, ESRCH, ENODEV): startup as backup, the transition order, the overlap timers,
 * adopting a daemon left by a crashed lvsd, repairing a daemon someone stopped, surviving refusals.
 */
import { describe, expect, it } from 'vitest';
import { IpvsClient } from '../../../src/ipvs/client.js';
import { SyncController, type SyncLog } from '../../../src/sync/controller.js';
import type { SyncSpec } from '../../../src/sync/plan.js';
import { ManualClock } from '../../../src/util/clock.js';
import { fakeKernel } from '../ipvs/fake-kernel.js';

const spec = (p: Partial<SyncSpec> = {}): SyncSpec => ({
  settings: { interface: 'eth1', syncId: 51 },
  instances: ['VI_1'],
  handoverMs: 3000,
  backupOnly: false,
  ...p,
});

async function setup(p: Partial<SyncSpec> = {}, interfaces?: string[]) {
  const k = fakeKernel({ interfaces: interfaces ?? ['eth1'] });
  const client = await IpvsClient.open({ conn: k.conn() });
  const clock = new ManualClock();
  const logs: string[] = [];
  const log: SyncLog = (level, msg, d) => void logs.push(`${level} ${msg} ${JSON.stringify(d)}`);
  const c = new SyncController(spec(p), client, clock, log, 10_000);
  const running = () => [...k.sync.daemons.keys()].sort().join('+');
  /** Advances the clock and lets the controller's queued kernel calls finish. */
  const tick = async (ms: number) => {
    clock.advance(ms);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return { k, c, clock, logs, running, tick };
}

describe('SyncController', () => {
  it('starts as backup; MASTER: master started before the call resolves, backup kept for the overlap', async () => {
    const { k, c, running, tick } = await setup();
    await c.start();
    expect(running()).toBe('backup');
    await c.role('VI_1', true);
    expect(running()).toBe('backup+master');
    expect(k.sync.log.slice(-1)).toEqual(['start master eth1']);
    await tick(2999);
    expect(running()).toBe('backup+master');
    await tick(1);
    expect(running()).toBe('master');
    await c.role('VI_1', false);
    expect(running()).toBe('backup+master');
    await tick(3000);
    expect(running()).toBe('backup');
    expect(c.status()).toMatchObject({ masters: [], wanted: [{ state: 'backup' }] });
    await c.stop();
  });

  it('backup_only: the backup daemon is stopped before the master role resolves', async () => {
    const { c, running } = await setup({ backupOnly: true });
    await c.start();
    await c.role('VI_1', true);
    expect(running()).toBe('master');
    await c.stop();
  });

  it('adopts what a crashed lvsd left: a master daemon runs one overlap more, a matching backup is kept', async () => {
    const { k, c, running, tick } = await setup();
    k.sync.daemons.set('master', {
      state: 'master',
      interface: 'eth1',
      syncId: 51,
      maxlen: 1472,
      group: '224.0.0.81',
      port: 8848,
      ttl: 1,
    });
    await c.start();
    expect(running()).toBe('backup+master');
    await tick(3000);
    expect(running()).toBe('backup');
    expect(k.sync.log).toEqual(['start backup eth1', 'stop master']);
    await c.stop();
  });

  it('a backup daemon with another sync id is restarted with ours', async () => {
    const { k, c } = await setup();
    k.sync.daemons.set('backup', {
      state: 'backup',
      interface: 'eth1',
      syncId: 9,
      maxlen: 1472,
      group: '224.0.0.81',
      port: 8848,
      ttl: 1,
    });
    await c.start();
    expect(k.sync.daemons.get('backup')?.syncId).toBe(51);
    expect(k.sync.log).toEqual(['stop backup', 'start backup eth1']);
    await c.stop();
  });

  it('someone stops our daemon: the resync restarts it', async () => {
    const { k, c, running, tick } = await setup();
    await c.start();
    k.sync.daemons.clear();
    await tick(10_000);
    expect(running()).toBe('backup');
    await c.stop();
  });

  it('a refusal (no such interface) is logged and kept in status, never thrown; the role still resolves', async () => {
    const { c, logs, running } = await setup({}, ['eth0']);
    await c.start();
    await expect(c.role('VI_1', true)).resolves.toBeUndefined();
    expect(running()).toBe('');
    expect(c.status().lastError).toMatch(/no interface "eth1" in this network namespace/);
    expect(logs.some((l) => l.startsWith('warn sync daemon command failed'))).toBe(true);
    await c.stop();
  });

  it('instances not tied to the section and repeated roles change nothing', async () => {
    const { k, c } = await setup();
    await c.start();
    const n = k.sync.log.length;
    await c.role('VI_other', true);
    await c.role('VI_1', false);
    expect(k.sync.log.length).toBe(n);
    await c.stop();
  });
});
