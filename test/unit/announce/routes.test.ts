import { describe, expect, it } from 'vitest';
import { KernelRoutes, routeOps, vipRoute, type RouteClient } from '../../../src/announce/routes.js';
import { NetlinkError } from '../../../src/netlink/errors.js';
import type { RouteInfo, RouteSpec } from '../../../src/rtnetlink/client.js';

const T = { table: 100, protocol: 201 };
const info = (dst: string, over: Partial<RouteInfo> = {}): RouteInfo => ({
  family: dst.includes(':') ? 'inet6' : 'inet',
  dst,
  dstLen: dst.includes(':') ? 128 : 32,
  table: 100,
  protocol: 201,
  scope: 0,
  type: 'unicast',
  ...over,
});

/** A kernel routing table that keeps state and refuses like the kernel (EEXIST across protocols, ESRCH per protocol). */
function fakeKernel(initial: RouteInfo[] = []): RouteClient & { routes: RouteInfo[]; calls: string[] } {
  const routes = [...initial];
  const calls: string[] = [];
  const same = (r: RouteInfo, s: RouteSpec) => r.table === s.table && r.dst === s.dst && r.dstLen === s.dstLen;
  return {
    routes,
    calls,
    async linkIndex(name: string) {
      if (name !== 'lo') throw new NetlinkError(19, `RTM_GETLINK ${name}`);
      return 1;
    },
    async listRoutes(f = {}) {
      calls.push('list');
      return routes.filter(
        (r) =>
          (f.table === undefined || r.table === f.table) && (f.protocol === undefined || r.protocol === f.protocol),
      );
    },
    async addRoute(s: RouteSpec) {
      calls.push(`add ${s.dst}`);
      if (routes.some((r) => same(r, s))) throw new NetlinkError(17, `RTM_NEWROUTE ${s.dst}`);
      routes.push(info(s.dst, { table: s.table, protocol: s.protocol, oif: s.oif }));
    },
    async delRoute(s: RouteSpec) {
      calls.push(`del ${s.dst}`);
      const i = routes.findIndex((r) => same(r, s) && r.protocol === s.protocol);
      if (i < 0) throw new NetlinkError(3, `RTM_DELROUTE ${s.dst}`);
      routes.splice(i, 1);
    },
  };
}

describe('routeOps: desired host routes against our table', () => {
  it('adds the missing, deletes the undesired and our non-host routes, ignores other tables and protocols', () => {
    const actual = [
      info('192.0.2.10'),
      info('192.0.2.11'),
      info('198.51.100.0', { dstLen: 24 }),
      info('192.0.2.12', { protocol: 99 }),
      info('192.0.2.13', { table: 254 }),
    ];
    const ops = routeOps(['192.0.2.10', '2001:db8::10', '192.0.2.12'], actual, T, 1);
    expect(ops.add).toEqual([vipRoute('2001:db8::10', T, 1), vipRoute('192.0.2.12', T, 1)]);
    expect(ops.add[0]).toMatchObject({ dstLen: 128, oif: 1 });
    expect(ops.del.map((r) => `${r.dst}/${r.dstLen} t${r.table} p${r.protocol}`)).toEqual([
      '192.0.2.11/32 t100 p201',
      '198.51.100.0/24 t100 p201',
    ]);
  });
  it('nothing to do when the table already matches', () => {
    expect(routeOps(['192.0.2.10'], [info('192.0.2.10')], T)).toEqual({ add: [], del: [] });
  });
});

describe('KernelRoutes', () => {
  it('converges the table and is idempotent', async () => {
    const k = fakeKernel([info('192.0.2.99')]);
    const kr = new KernelRoutes(k, T);
    expect(await kr.sync(['192.0.2.10', '2001:db8::10'])).toEqual({
      added: ['192.0.2.10', '2001:db8::10'],
      removed: ['192.0.2.99'],
      failed: [],
    });
    expect(k.routes.map((r) => r.dst).sort()).toEqual(['192.0.2.10', '2001:db8::10']);
    k.calls.length = 0;
    expect(await kr.sync(['192.0.2.10', '2001:db8::10'])).toEqual({ added: [], removed: [], failed: [] });
    expect(k.calls).toEqual(['list']);
    await kr.sync([]);
    expect(k.routes).toEqual([]);
  });

  it("reports a destination held by another owner's route as failed and leaves that route alone", async () => {
    const theirs = info('192.0.2.10', { protocol: 99 });
    const k = fakeKernel([theirs]);
    const r = await new KernelRoutes(k, T).sync(['192.0.2.10']);
    expect(r.added).toEqual([]);
    expect(r.failed).toEqual([
      { route: '192.0.2.10/32', error: expect.stringMatching(/EEXIST.*a route of another owner is there/) },
    ]);
    expect(k.routes).toEqual([theirs]);
  });

  it('runs passes one at a time, in call order', async () => {
    const k = fakeKernel();
    const kr = new KernelRoutes(k, T);
    await Promise.all([kr.sync(['192.0.2.1']), kr.sync([]), kr.sync(['192.0.2.2'])]);
    expect(k.calls).toEqual(['list', 'add 192.0.2.1', 'list', 'del 192.0.2.1', 'list', 'add 192.0.2.2']);
    expect(k.routes.map((r) => r.dst)).toEqual(['192.0.2.2']);
  });

  it('a route that vanished between the read and the delete counts as removed; an unreadable table rejects', async () => {
    const k = fakeKernel([info('192.0.2.1')]);
    k.delRoute = async (s) => {
      throw new NetlinkError(3, `RTM_DELROUTE ${s.dst}`);
    };
    expect(await new KernelRoutes(k, T).sync([])).toMatchObject({ removed: ['192.0.2.1'], failed: [] });
    k.listRoutes = async () => {
      throw new NetlinkError(105, 'RTM_GETROUTE');
    };
    await expect(new KernelRoutes(k, T).sync([])).rejects.toMatchObject({ code: 'ENOBUFS' });
  });
});
