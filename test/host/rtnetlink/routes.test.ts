/**
 * Routes over rtnetlink against the host kernel inside a throwaway namespace, checked with `ip route`:
 * a /32 and a /128 in table N with protocol P come and go, and routes of other protocols (same table,
 * same destination) are never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withNetns } from '../../../native/netns.js';
import { Rtnetlink, type RouteSpec } from '../../../src/rtnetlink/client.js';
import { Netns } from '../../support/netns.js';
import { rejection } from '../../support/rejection.js';
import { hasRoot } from '../../support/root.js';

const TABLE = 1234;
const PROTO = 201;

describe.skipIf(!hasRoot('host: rtnetlink routes in a namespace'))('Rtnetlink routes in a namespace', () => {
  let ns: Netns;
  let rt: Rtnetlink;
  const shown = (): string =>
    ns.ip('route', 'show', 'table', String(TABLE)) + ns.ip('-6', 'route', 'show', 'table', String(TABLE));

  beforeAll(() => {
    ns = new Netns('rtr');
    rt = withNetns(ns.name, () => Rtnetlink.open());
  });
  afterAll(() => {
    rt?.close();
    ns?.cleanup();
  });

  it('adds, lists and deletes a /32 and a /128 in table N with protocol P', async () => {
    const v4: RouteSpec = { dst: '192.0.2.10', dstLen: 32, table: TABLE, protocol: PROTO, oif: 1 };
    const v6: RouteSpec = { dst: '2001:db8::10', dstLen: 128, table: TABLE, protocol: PROTO, oif: 1 };
    await rt.addRoute(v4);
    await rt.addRoute(v6);
    expect(shown()).toMatch(/^192\.0\.2\.10 dev lo proto 201 scope link/m);
    expect(shown()).toMatch(/^2001:db8::10 dev lo proto 201 /m);
    const mine = await rt.listRoutes({ table: TABLE, protocol: PROTO });
    expect(mine.map((r) => `${r.family} ${r.dst}/${r.dstLen} ${r.type} oif=${r.oif}`).sort()).toEqual([
      'inet 192.0.2.10/32 unicast oif=1',
      'inet6 2001:db8::10/128 unicast oif=1',
    ]);
    expect(await rejection(rt.addRoute(v4))).toMatchObject({ code: 'EEXIST' });
    await rt.delRoute(v4);
    await rt.delRoute(v6);
    expect(shown()).toBe('');
    expect(await rejection(rt.delRoute(v4))).toMatchObject({ code: 'ESRCH' });
  });

  it('blackhole routes in a table above 255 round-trip through RTA_TABLE', async () => {
    const bh: RouteSpec = { dst: '198.51.100.0', dstLen: 24, table: 70000, protocol: PROTO, type: 'blackhole' };
    await rt.addRoute(bh);
    expect(ns.ip('route', 'show', 'table', '70000')).toMatch(/^blackhole 198\.51\.100\.0\/24 proto 201/m);
    expect(await rt.listRoutes({ table: 70000 })).toMatchObject([
      { dst: '198.51.100.0', dstLen: 24, type: 'blackhole' },
    ]);
    await rt.delRoute(bh);
    expect(ns.ip('route', 'show', 'table', '70000')).toBe('');
  });

  it('never touches routes of another protocol, even with the same destination', async () => {
    ns.ip('route', 'replace', '192.0.2.20/32', 'dev', 'lo', 'table', String(TABLE), 'proto', '99');
    ns.ip('route', 'replace', '192.0.2.21/32', 'dev', 'lo', 'table', String(TABLE), 'proto', '99');
    const theirs: RouteSpec = { dst: '192.0.2.20', dstLen: 32, table: TABLE, protocol: PROTO, oif: 1 };
    expect(await rejection(rt.delRoute(theirs))).toMatchObject({ code: 'ESRCH' });
    expect(await rejection(rt.addRoute(theirs))).toMatchObject({ code: 'EEXIST' });
    await rt.addRoute({ ...theirs, dst: '192.0.2.22' });
    expect(await rt.listRoutes({ table: TABLE, protocol: PROTO })).toMatchObject([{ dst: '192.0.2.22' }]);
    await rt.delRoute({ ...theirs, dst: '192.0.2.22' });
    expect(ns.ip('-N', 'route', 'show', 'table', String(TABLE))).toBe(
      '192.0.2.20 dev lo proto 99 scope 253 \n192.0.2.21 dev lo proto 99 scope 253 \n',
    );
  });
});
