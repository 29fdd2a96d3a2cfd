/** NetlinkConnection over a real AF_NETLINK socket on the host kernel (which has no IPVS). */
import { describe, expect, it } from 'vitest';
import { NETLINK_GENERIC, NETLINK_ROUTE } from '../../../native/constants.js';
import { NetlinkConnection, openTransport } from '../../../src/netlink/conn.js';
import { GENL_ID_CTRL, getFamilyPayload, resolveFamily } from '../../../src/netlink/genl.js';
import { Netns } from '../../support/netns.js';
import { withNetns } from '../../../native/netns.js';
import { hasRoot } from '../../support/root.js';

const getFamily = (name: string) => ({
  type: GENL_ID_CTRL,
  payload: getFamilyPayload(name),
  op: `CTRL_CMD_GETFAMILY ${name}`,
});

describe.skipIf(!hasRoot('host: netlink connection'))('NetlinkConnection on the host kernel', () => {
  it('resolves nlctrl with its multicast group, and reports IPVS missing as ENOENT', async () => {
    const c = NetlinkConnection.open(NETLINK_GENERIC);
    try {
      const f = await resolveFamily(c, 'nlctrl');
      expect(f.id).toBe(GENL_ID_CTRL);
      expect(f.mcastGroups.get('notify')).toBeGreaterThan(0);
      await expect(resolveFamily(c, 'IPVS')).rejects.toMatchObject({ code: 'ENOENT', op: 'CTRL_CMD_GETFAMILY IPVS' });
    } finally {
      c.close();
    }
  });

  it('a batch of 250 gets one answer each, errors in place', async () => {
    const c = NetlinkConnection.open(NETLINK_GENERIC);
    try {
      const reqs = Array.from({ length: 250 }, (_, i) => getFamily(i % 10 === 3 ? `nope${i}` : 'nlctrl'));
      const res = await c.batch(reqs);
      expect(res.map((r, i) => (r.ok ? `ok${r.replies.length}` : `${r.error.code}${i % 10}`))).toEqual(
        reqs.map((_, i) => (i % 10 === 3 ? 'ENOENT3' : 'ok1')),
      );
    } finally {
      c.close();
    }
  });

  it('dumps every family (a multipart answer ending in DONE)', async () => {
    const c = NetlinkConnection.open(NETLINK_GENERIC);
    try {
      const parts = await c.request({ ...getFamily('x'), payload: getFamilyPayload('').subarray(0, 4), dump: true });
      expect(parts.length).toBeGreaterThan(3);
      expect(parts.every((m) => m.type === GENL_ID_CTRL)).toBe(true);
    } finally {
      c.close();
    }
  });

  it('the transport knows its port id, and a request to a missing rtnetlink link is refused with extack', async () => {
    const ns = new Netns('nlc');
    try {
      const c = withNetns(ns.name, () => NetlinkConnection.open(NETLINK_ROUTE));
      try {
        // RTM_NEWADDR on ifindex 9999: the kernel answers ENODEV with an extended-ack message
        const ifa = Buffer.from([2, 24, 0, 0, 0x0f, 0x27, 0, 0]);
        const a = Buffer.from('08000200' + '0a090909', 'hex');
        const e = await c
          .request({ type: 20, flags: 0x600, payload: Buffer.concat([ifa, a]), op: 'RTM_NEWADDR 10.9.9.9/24' })
          .catch((x) => x);
        expect(e).toMatchObject({ code: 'ENODEV', extack: expect.stringContaining('Device not found') });
      } finally {
        c.close();
      }
      const t = openTransport(NETLINK_ROUTE);
      expect(t.pid).toBeGreaterThan(0);
      t.close();
    } finally {
      ns.cleanup();
    }
  });

  it('an idle connection lets the process exit; a pending request keeps it alive until answered (built dist/)', async () => {
    const { execFileSync } = await import('node:child_process');
    const run = (body: string): string =>
      execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `import { NetlinkConnection } from './dist/src/netlink/conn.js';\n${body}`],
        {
          cwd: process.cwd(),
          timeout: 10_000,
          encoding: 'utf8',
        },
      );
    const t0 = Date.now();
    expect(run(`const c = NetlinkConnection.open(16); c.onNotification(() => {}); console.log('idle');`)).toBe(
      'idle\n',
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    const answered = run(`
      import { getFamilyPayload } from './dist/src/netlink/genl.js';
      const c = NetlinkConnection.open(16);
      c.request({ type: 0x10, payload: getFamilyPayload('nlctrl'), op: 'x' }).then((r) => console.log('answered', r.length));
    `);
    expect(answered).toBe('answered 1\n');
  });
});
