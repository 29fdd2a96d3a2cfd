import { describe, expect, it } from 'vitest';
import { NetlinkConnection } from '../../../src/netlink/conn.js';
import { NetlinkDecodeError, NetlinkError } from '../../../src/netlink/errors.js';
import {
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  decodeMsgs,
  encodeMsg,
  type NlMsg,
} from '../../../src/netlink/message.js';
import { Rtnetlink } from '../../../src/rtnetlink/client.js';
import {
  RTM_DELROUTE,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  decodeRoute,
  routePayload,
  type RouteSpec,
} from '../../../src/rtnetlink/route.js';
import { ack, errorReply, scriptedTransport } from '../../support/scripted-netlink.js';
import { rejection } from '../../support/rejection.js';
import { DUMP_ALL, MULTIPATH, SENT } from './captured-routes.js';

const bytes = (h: string): Buffer => Buffer.from(h.replace(/\s/g, ''), 'hex');
/** The whole message lvsd would send, stamped with the captured seq so it compares to `ip`'s bytes. */
const asIp = (cmd: 'RTM_NEWROUTE' | 'RTM_DELROUTE', r: RouteSpec): string =>
  encodeMsg({
    type: cmd === 'RTM_NEWROUTE' ? RTM_NEWROUTE : RTM_DELROUTE,
    flags: NLM_F_REQUEST | NLM_F_ACK | (cmd === 'RTM_NEWROUTE' ? NLM_F_CREATE | NLM_F_EXCL : 0),
    seq: 0x6b14d5aa,
    pid: 0,
    payload: routePayload(cmd, r),
  }).toString('hex');
const restamp = (h: string, seq: number): Buffer => {
  const d = bytes(h);
  d.writeUInt32LE(seq, 8);
  return d;
};

describe('route requests: the bytes ip route sends', () => {
  const lo = { table: 100, protocol: 201, oif: 1 };
  it.each<[keyof typeof SENT, 'RTM_NEWROUTE' | 'RTM_DELROUTE', RouteSpec]>([
    ['add 192.0.2.10/32 dev lo table 100 proto 201', 'RTM_NEWROUTE', { dst: '192.0.2.10', dstLen: 32, ...lo }],
    ['add 2001:db8::10/128 dev lo table 100 proto 201', 'RTM_NEWROUTE', { dst: '2001:db8::10', dstLen: 128, ...lo }],
    [
      'add blackhole 192.0.2.12/32 table 1000 proto 201',
      'RTM_NEWROUTE',
      { dst: '192.0.2.12', dstLen: 32, table: 1000, protocol: 201, type: 'blackhole' },
    ],
    [
      'add blackhole 2001:db8::12/128 table 1000 proto 201',
      'RTM_NEWROUTE',
      { dst: '2001:db8::12', dstLen: 128, table: 1000, protocol: 201, type: 'blackhole' },
    ],
    [
      'del 192.0.2.10/32 table 100 proto 201',
      'RTM_DELROUTE',
      { dst: '192.0.2.10', dstLen: 32, table: 100, protocol: 201 },
    ],
    [
      'del blackhole 192.0.2.12/32 table 1000 proto 201',
      'RTM_DELROUTE',
      { dst: '192.0.2.12', dstLen: 32, table: 1000, protocol: 201, type: 'blackhole' },
    ],
  ])('ip route %s', (cmd, op, spec) => {
    expect(asIp(op, spec)).toBe(SENT[cmd].replace(/\s/g, ''));
  });

  it.each<[Partial<RouteSpec>, RegExp]>([
    [{ dst: '10.0.0.300' }, /not an IP address: "10.0.0.300"/],
    [{ dstLen: 33 }, /prefix length must be 0..32/],
    [{ dst: '::1', dstLen: 129 }, /prefix length must be 0..128/],
    [{ dst: '192.0.2.1', dstLen: 24 }, /192.0.2.1 has host bits set beyond \/24/],
    [{ table: 0 }, /table must be 1..4294967295/],
    [{ table: 2 ** 32 }, /table must be 1..4294967295/],
    [{ protocol: 0 }, /protocol must be 1..255/],
    [{ protocol: 256 }, /protocol must be 1..255/],
    [{ oif: 0 }, /bad interface index 0/],
    [{ type: 'blackhole', oif: 1 }, /a blackhole route takes no interface/],
    [{ type: 'local' as never }, /unknown route type "local"/],
  ])('refuses bad input with EINVAL naming the problem: %o', (bad, msg) => {
    let err: unknown;
    try {
      routePayload('RTM_NEWROUTE', { dst: '192.0.2.10', dstLen: 32, table: 100, protocol: 201, ...bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkError);
    expect((err as NetlinkError).code).toBe('EINVAL');
    expect((err as NetlinkError).message).toMatch(msg);
    expect((err as NetlinkError).op).toMatch(/^RTM_NEWROUTE .* table \d+ proto \d+$/);
  });
});

describe('decoding a captured route dump', () => {
  const routes = DUMP_ALL.slice(0, -1).map((h) => decodeRoute(decodeMsgs(bytes(h))[0]));
  it('reads table (RTA_TABLE above 255), protocol, type, scope, interface', () => {
    expect(routes[0]).toEqual({
      family: 'inet',
      dst: '192.0.2.10',
      dstLen: 32,
      table: 100,
      protocol: 201,
      scope: 253,
      type: 'unicast',
      oif: 1,
    });
    expect(routes[1]).toEqual({
      family: 'inet',
      dst: '198.51.100.7',
      dstLen: 32,
      table: 1000,
      protocol: 202,
      scope: 0,
      type: 'blackhole',
    });
    expect(routes[5]).toMatchObject({ family: 'inet6', dst: '2001:db8::10', dstLen: 128, table: 100, priority: 1024 });
    expect(routes.filter((r) => r.table === 255).map((r) => `${r.type} ${r.dst}/${r.dstLen}`)).toEqual([
      'local 127.0.0.0/8',
      'local 127.0.0.1/32',
      'broadcast 127.255.255.255/32',
      'local ::1/128',
    ]);
  });
  it('reads the next hops of a multipath (ECMP) route', () => {
    expect(decodeRoute(decodeMsgs(bytes(MULTIPATH))[0])).toEqual({
      family: 'inet',
      dst: '192.0.2.50',
      dstLen: 32,
      table: 254,
      protocol: 12,
      scope: 0,
      type: 'unicast',
      gateways: ['10.0.0.2', '10.0.0.3'],
    });
  });
  it('malformed messages are decode errors', () => {
    const m = (hex: string): NlMsg => ({ type: RTM_NEWROUTE, flags: 0, seq: 1, pid: 0, payload: bytes(hex) });
    expect(() => decodeRoute(m('0220'))).toThrow(NetlinkDecodeError);
    expect(() => decodeRoute(m('07200000 64c9fd01 00000000'))).toThrow(/neither inet nor inet6/);
    expect(() => decodeRoute(m('02210000 64c9fd01 00000000'))).toThrow(/prefix length 33/);
    expect(() => decodeRoute(m('02200000 64c9fd01 00000000 06000100 c000'))).toThrow(/RTA_DST of 2 bytes/);
    expect(() => decodeRoute(m('02200000 64c9fd01 00000000 06000f00 6400'))).toThrow(NetlinkDecodeError);
    expect(() => decodeRoute(m('02200000 64c9fd01 00000000 0c000900 20000000 03000000'))).toThrow(
      /rtnexthop of 32 bytes/,
    );
  });
});

describe('Rtnetlink routes over a scripted connection', () => {
  const kernel = (m: NlMsg): Buffer[] | NlMsg[] =>
    m.type === RTM_GETROUTE ? DUMP_ALL.map((h) => restamp(h, m.seq)) : [ack(m)];

  it('lists routes filtered by table, protocol and family', async () => {
    const t = scriptedTransport(kernel);
    const rt = new Rtnetlink(new NetlinkConnection(t));
    expect((await rt.listRoutes({ table: 100 })).map((r) => r.dst)).toEqual(['192.0.2.10', '2001:db8::10']);
    expect((await rt.listRoutes({ table: 100, protocol: 202 })).length).toBe(0);
    expect((await rt.listRoutes({ protocol: 202 })).map((r) => r.dst)).toEqual(['198.51.100.7']);
    expect((await rt.listRoutes({ table: 100, family: 'inet6' })).map((r) => r.dst)).toEqual(['2001:db8::10']);
    expect(t.sent[0]).toMatchObject({ type: RTM_GETROUTE, flags: NLM_F_REQUEST | NLM_F_DUMP });
    expect(t.sent[3].payload[0]).toBe(10);
  });

  it('adds with CREATE|EXCL (or CREATE|REPLACE when asked) and deletes with ACK only', async () => {
    const t = scriptedTransport(kernel);
    const rt = new Rtnetlink(new NetlinkConnection(t));
    const r: RouteSpec = { dst: '192.0.2.10', dstLen: 32, table: 100, protocol: 201 };
    await rt.addRoute(r);
    await rt.addRoute(r, { replace: true });
    await rt.delRoute(r);
    expect(t.sent.map((m) => [m.type, m.flags])).toEqual([
      [RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL],
      [RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE],
      [RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK],
    ]);
  });

  it('kernel refusals name the errno and the route; bad input sends nothing', async () => {
    const t = scriptedTransport((m) => [errorReply(m, m.type === RTM_NEWROUTE ? 17 : 3)]);
    const rt = new Rtnetlink(new NetlinkConnection(t));
    const r: RouteSpec = { dst: '192.0.2.10', dstLen: 32, table: 100, protocol: 201, oif: 1 };
    expect(await rejection(rt.addRoute(r))).toMatchObject({
      code: 'EEXIST',
      op: 'RTM_NEWROUTE 192.0.2.10/32 dev 1 table 100 proto 201',
    });
    expect(await rejection(rt.delRoute(r))).toMatchObject({ code: 'ESRCH' });
    expect(await rejection(rt.addRoute({ ...r, protocol: 0 }))).toMatchObject({ code: 'EINVAL' });
    expect(t.sent.length).toBe(2);
  });
});
