/**
 * The sync-daemon planner: which daemons run for which VRRP roles, the overlaps around a
 * transition, backup_only, standalone roles, restarts for changed settings, make-before-break order.
 */
import { describe, expect, it } from 'vitest';
import type { SyncDaemon } from '../../../src/ipvs/sync-daemon.js';
import { nextChange, sameDaemon, syncOps, wantedDaemons, type SyncSpec } from '../../../src/sync/plan.js';

const settings = { interface: 'eth1', syncId: 51 };
const spec = (p: Partial<SyncSpec> = {}): SyncSpec => ({
  settings,
  instances: ['VI_1'],
  handoverMs: 3000,
  backupOnly: false,
  ...p,
});
const states = (ds: Array<{ state: string }>) => ds.map((d) => d.state);

describe('wantedDaemons', () => {
  it('BACKUP (or not yet reported): the backup daemon; MASTER: the master daemon', () => {
    expect(wantedDaemons(spec(), { masters: new Set() }, 0)).toEqual([
      { state: 'backup', interface: 'eth1', syncId: 51 },
    ]);
    expect(states(wantedDaemons(spec(), { masters: new Set(['VI_1']) }, 0))).toEqual(['master']);
  });

  it('the daemon of the old role runs on for the overlap after a transition, then stops', () => {
    const becameMaster = { masters: new Set(['VI_1']), backupUntil: 3000 };
    expect(states(wantedDaemons(spec(), becameMaster, 2999))).toEqual(['master', 'backup']);
    expect(states(wantedDaemons(spec(), becameMaster, 3000))).toEqual(['master']);
    const leftMaster = { masters: new Set<string>(), masterUntil: 5000 };
    expect(states(wantedDaemons(spec(), leftMaster, 4000))).toEqual(['master', 'backup']);
    expect(states(wantedDaemons(spec(), leftMaster, 5000))).toEqual(['backup']);
    expect(nextChange(becameMaster, 1000)).toBe(3000);
    expect(nextChange(becameMaster, 3000)).toBeUndefined();
  });

  it('backup_only: never a backup daemon while an instance is MASTER (it would switch the director off)', () => {
    const s = spec({ backupOnly: true });
    expect(states(wantedDaemons(s, { masters: new Set(['VI_1']), backupUntil: 3000 }, 0))).toEqual(['master']);
    expect(states(wantedDaemons(s, { masters: new Set(), masterUntil: 3000 }, 0))).toEqual(['master', 'backup']);
  });

  it('several instances share the pair: master while any is MASTER, backup while any is not (active-active)', () => {
    const s = spec({ instances: ['VI_1', 'VI_2'] });
    expect(states(wantedDaemons(s, { masters: new Set(['VI_1']) }, 0))).toEqual(['master', 'backup']);
    expect(states(wantedDaemons(s, { masters: new Set(['VI_1', 'VI_2']) }, 0))).toEqual(['master']);
    expect(states(wantedDaemons(s, { masters: new Set() }, 0))).toEqual(['backup']);
  });

  it('standalone: the configured role only', () => {
    expect(states(wantedDaemons(spec({ instances: [], role: 'master' }), { masters: new Set() }, 0))).toEqual([
      'master',
    ]);
    expect(states(wantedDaemons(spec({ instances: [], role: 'backup' }), { masters: new Set(['x']) }, 0))).toEqual([
      'backup',
    ]);
  });
});

describe('syncOps', () => {
  const master = { state: 'master' as const, ...settings };
  const backup = { state: 'backup' as const, ...settings };
  const kernel = (d: SyncDaemon): SyncDaemon => ({ ...d, maxlen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 });

  it('make before break: the new daemon starts before the old one stops', () => {
    expect(syncOps([kernel(backup)], [master])).toEqual([
      { op: 'start', daemon: master },
      { op: 'stop', state: 'backup', why: 'not wanted now' },
    ]);
  });

  it('nothing to do when the kernel runs what is wanted (its defaults filled in)', () => {
    expect(syncOps([kernel(master), kernel(backup)], [master, backup])).toEqual([]);
  });

  it('a daemon with other settings is restarted: stopped first (one per state), then started', () => {
    const other = { ...kernel(backup), syncId: 7 };
    expect(syncOps([other], [backup])).toEqual([
      { op: 'stop', state: 'backup', why: 'its settings differ from the config' },
      { op: 'start', daemon: backup },
    ]);
    expect(sameDaemon({ ...kernel(master), port: 9000 }, master)).toBe(false);
    expect(sameDaemon({ ...kernel(master), group: 'ff02::1:2' }, { ...master, group: 'ff02::1:2' })).toBe(true);
    expect(sameDaemon({ ...kernel(master), maxlen: 1400 }, { ...master, maxlen: 1472 })).toBe(false);
  });
});
