import { describe, expect, it } from 'vitest';
import { Audit } from '../../../src/daemon/audit.js';
import { QuorumWatch } from '../../../src/daemon/quorum-watch.js';
import { daemonLogger } from '../../../src/daemon/run.js';
import { plan, type HealthView } from '../../../src/plan/desired.js';
import { NO_ADMIN } from '../../../src/plan/admin.js';
import { config } from '../plan/helpers.js';
import { memoryLogger } from './fakes.js';

const cfg = config(
  `[[virtual_server]]\nname = "web"\naddress = "10.0.0.1"\nport = 80\nquorum = 60\ncheck = { type = "tcp" }\n` +
    `quorum_up = ["/bin/notify", "up"]\nquorum_down = ["/bin/notify", "down"]\n` +
    `[[virtual_server.real_server]]\naddress = "10.0.1.1"\nport = 80\nweight = 50\n` +
    `[[virtual_server.real_server]]\naddress = "10.0.1.2"\nport = 80\nweight = 50\n`,
);
const planWith = (down: string[]) =>
  plan({
    config: cfg,
    health: (id): HealthView => ({ up: !down.includes(id) }),
    admin: NO_ADMIN,
    now: 0,
  });

describe('quorum transitions and hooks', () => {
  it('one audit line per change with the reason; quorum_down / quorum_up run with LVSD_* and in order', async () => {
    const { log, lines } = memoryLogger();
    const runs: Array<{ argv: readonly string[]; env: Record<string, string> }> = [];
    const q = new QuorumWatch(new Audit(log), log, async (argv, env) => {
      runs.push({ argv, env });
      return { ok: true, code: 0, signal: null, timedOut: false };
    });
    q.update(cfg, planWith([])); // at quorum from the start: nothing
    q.update(cfg, planWith(['web|10.0.1.2:80'])); // live 50 < 60
    q.update(cfg, planWith(['web|10.0.1.2:80'])); // no change
    q.update(cfg, planWith([])); // back
    await q.settled();
    expect(lines.filter((l) => l.kind === 'quorum').map((l) => [l.from, l.to, l.reason])).toEqual([
      ['up', 'down', 'live weight 50 below quorum 60'],
      ['down', 'up', 'live weight 100 back at quorum 60'],
    ]);
    expect(runs).toEqual([
      {
        argv: ['/bin/notify', 'down'],
        env: { LVSD_VS: 'web', LVSD_QUORUM_STATE: 'down', LVSD_LIVE_WEIGHT: '50', LVSD_QUORUM: '60' },
      },
      {
        argv: ['/bin/notify', 'up'],
        env: { LVSD_VS: 'web', LVSD_QUORUM_STATE: 'up', LVSD_LIVE_WEIGHT: '100', LVSD_QUORUM: '60' },
      },
    ]);
  });

  it('forgets a virtual server the config no longer has: back later, it starts afresh', async () => {
    const { log, lines } = memoryLogger();
    const q = new QuorumWatch(new Audit(log), log, async () => ({ ok: true, code: 0, signal: null, timedOut: false }));
    const other = config(`[[virtual_server]]\nname = "api"\naddress = "10.0.0.2"\nport = 80\n`);
    const otherPlan = plan({ config: other, health: () => ({ up: true }), admin: NO_ADMIN, now: 0 });
    q.update(cfg, planWith(['web|10.0.1.2:80'])); // start below quorum
    q.update(other, otherPlan); // web removed
    q.update(cfg, planWith(['web|10.0.1.2:80'])); // web back, still below: a new start
    await q.settled();
    expect(lines.filter((l) => l.kind === 'quorum' && l.vs === 'web').map((l) => [l.vs, l.from, l.to])).toEqual([
      ['web', 'start', 'down'],
      ['web', 'start', 'down'],
    ]);
  });

  it('a failing hook is logged, not thrown', async () => {
    const { log, lines } = memoryLogger();
    const q = new QuorumWatch(new Audit(log), log, async () => ({ ok: false, code: 3, signal: null, timedOut: false }));
    q.update(cfg, planWith(['web|10.0.1.1:80', 'web|10.0.1.2:80']));
    await q.settled();
    expect(lines.find((l) => l.msg === 'quorum hook failed')).toMatchObject({
      vs: 'web',
      hook: 'quorum_down',
      code: 3,
    });
  });
});

describe('daemon log lines', () => {
  it('carry the level by name and an ISO time', () => {
    const out: string[] = [];
    daemonLogger('info', 'lb1', { write: (s: string) => void out.push(s) }).info({ vs: 'web' }, 'hello');
    const l = JSON.parse(out[0]!) as Record<string, unknown>;
    expect(l).toMatchObject({ level: 'info', router_id: 'lb1', vs: 'web', msg: 'hello' });
    expect(String(l.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
