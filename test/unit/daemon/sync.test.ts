/**
 * The daemon core with a [sync] section: the setup reaches VRRP at start and at reload (and goes
 * when the section is removed), status carries the sync block, stop stops the sync service.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import type { SyncStatus } from '../../../src/control/status-report.js';
import { Daemon, type Sync } from '../../../src/daemon/daemon.js';
import { Overrides } from '../../../src/daemon/overrides.js';
import type { SyncSetup } from '../../../src/sync/setup.js';
import { ManualClock } from '../../../src/util/clock.js';
import { FakeHealth, FakeVrrp, memoryLogger } from './fakes.js';

const VRRP = `[[vrrp_instance]]\nname = "VI_1"\ninterface = "eth0"\nvirtual_router_id = 51\npriority = 100\nvirtual_ipaddress = ["10.0.0.1/32"]\n`;
const SYNC = `[sync]\ninterface = "eth1"\nvrrp_instances = ["VI_1"]\n`;

/** A sync service that records the configs it is given and hands back a fixed setup. */
class RecordingSync implements Sync {
  seen: Array<Config['sync']> = [];
  stopped = false;
  async configure(c: Config): Promise<SyncSetup | undefined> {
    this.seen.push(c.sync);
    return c.sync
      ? {
          spec: {
            settings: { interface: c.sync.interface, syncId: c.sync.sync_id },
            instances: c.sync.vrrp_instances,
            handoverMs: c.sync.handover,
            backupOnly: false,
          },
          holdMs: c.sync.startup_delay,
        }
      : undefined;
  }
  async status(c: Config): Promise<SyncStatus | undefined> {
    return (
      c.sync && {
        interface: c.sync.interface,
        syncId: c.sync.sync_id,
        vrrpInstances: c.sync.vrrp_instances,
        daemons: [],
        holds: [],
        warnings: [],
      }
    );
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function setup(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-unit-sync-'));
  dirs.push(dir);
  const file = join(dir, 'lvsd.toml');
  writeFileSync(file, text);
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const vrrps: FakeVrrp[] = [];
  const sync = new RecordingSync();
  const d = new Daemon({
    configPath: file,
    config: loaded.config,
    dataplaneKind: 'none',
    health: new FakeHealth(),
    overrides: new Overrides(undefined),
    clock: new ManualClock(),
    log: memoryLogger().log,
    vrrp: async (i, _r, s) => (vrrps.push(new FakeVrrp(i, s)), vrrps[vrrps.length - 1]!),
    sync,
  });
  return { d, file, vrrps, sync };
}

describe('daemon core with [sync]', () => {
  it('start: the setup reaches the VRRP service; status has the sync block; stop stops the sync service', async () => {
    const t = await setup(VRRP + SYNC);
    await t.d.start();
    expect(t.vrrps[0]!.sync).toMatchObject({
      spec: { settings: { interface: 'eth1', syncId: 51 }, instances: ['VI_1'] },
      holdMs: 10_000,
    });
    expect((await t.d.status()).sync).toMatchObject({ interface: 'eth1', syncId: 51 });
    await t.d.stop();
    expect(t.sync.stopped).toBe(true);
  });

  it('reload: a changed section reaches VRRP; a removed one leaves VRRP without sync and status without the block', async () => {
    const t = await setup(VRRP + SYNC);
    await t.d.start();
    writeFileSync(t.file, VRRP + SYNC + 'sync_id = 9\n');
    expect(await t.d.reload()).toMatchObject({ ok: true, summary: expect.stringContaining('sync: sync_id') });
    expect(t.vrrps[0]!.sync?.spec.settings.syncId).toBe(9);
    writeFileSync(t.file, VRRP);
    expect(await t.d.reload()).toMatchObject({ ok: true, summary: expect.stringContaining('sync: removed') });
    expect(t.vrrps[0]!.sync).toBeUndefined();
    expect((await t.d.status()).sync).toBeUndefined();
    expect(t.sync.seen.map((s) => s?.sync_id)).toEqual([51, 9, undefined]);
  });
});
