import { describe, expect, it } from 'vitest';
import { NetlinkConnection } from '../../../src/netlink/conn.js';
import { NetlinkDecodeError, NetlinkError } from '../../../src/netlink/errors.js';
import {
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  decodeMsgs,
  type NlMsg,
} from '../../../src/netlink/message.js';
import { Rtnetlink } from '../../../src/rtnetlink/client.js';
import {
  IFA_F_NODAD,
  IFA_F_PERMANENT,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  addrPayload,
  decodeAddr,
  decodeLink,
} from '../../../src/rtnetlink/codec.js';
import { toEvent, subscribeLinkAddr, type LinkAddrEvent } from '../../../src/rtnetlink/events.js';
import { ack, errorReply, scriptedTransport } from '../../support/scripted-netlink.js';
import { rejection } from '../../support/rejection.js';
import * as cap from './captured.js';

const hex = (b: Buffer): string => b.toString('hex');
/** A captured datagram re-stamped with the seq of the request it answers. */
const restamp = (h: string, seq: number): Buffer => {
  const d = Buffer.from(h, 'hex');
  for (let off = 0; off < d.length; off += (d.readUInt32LE(off) + 3) & ~3) d.writeUInt32LE(seq, off + 8);
  return d;
};

describe('address requests: golden bytes', () => {
  it('IPv4 with a label: ifaddrmsg, IFA_LOCAL, IFA_ADDRESS, IFA_LABEL', () => {
    expect(hex(addrPayload('RTM_NEWADDR', { ifindex: 3, address: '10.1.2.3', prefixlen: 24, label: 'v0:vip' }))).toBe(
      '02180000' + '03000000' + '08000200' + '0a010203' + '08000100' + '0a010203' + '0b000300' + '76303a7669700000',
    );
  });
  it('IPv6 nodad: flag in ifaddrmsg and in IFA_FLAGS', () => {
    expect(hex(addrPayload('RTM_NEWADDR', { ifindex: 2, address: '2001:db8::5', prefixlen: 128, nodad: true }))).toBe(
      '0a800200' +
        '02000000' +
        '14000200' +
        '20010db8000000000000000000000005' +
        '14000100' +
        '20010db8000000000000000000000005' +
        '08000800' +
        '02000000',
    );
  });
  it.each([
    [{ ifindex: 1, address: '10.0.0.300', prefixlen: 24 }, /not an IP address: "10.0.0.300"/],
    [{ ifindex: 1, address: '10.0.0.1', prefixlen: 33 }, /prefix length must be 0..32/],
    [{ ifindex: 1, address: '::1', prefixlen: 129 }, /prefix length must be 0..128/],
    [{ ifindex: 0, address: '10.0.0.1', prefixlen: 32 }, /bad interface index 0/],
    [{ ifindex: 1, address: '::1', prefixlen: 128, label: 'lo:x' }, /labels exist only for IPv4/],
    [{ ifindex: 1, address: '10.0.0.1', prefixlen: 32, label: 'a-label-too-long' }, /label must be 1..15 bytes/],
  ])('refuses bad input with EINVAL naming the problem: %o', (spec, msg) => {
    let err: unknown;
    try {
      addrPayload('RTM_NEWADDR', spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkError);
    expect((err as NetlinkError).code).toBe('EINVAL');
    expect((err as NetlinkError).message).toMatch(msg);
  });
});

describe('decoding captured kernel answers', () => {
  it('RTM_NEWADDR dump entries: IPv4 with label, IPv6 with IFA_FLAGS', () => {
    const msgs = decodeMsgs(Buffer.from(cap.GETADDR_DUMP[0], 'hex'));
    expect(msgs.map(decodeAddr)).toEqual([
      { ifindex: 1, family: 'inet', address: '127.0.0.1', prefixlen: 8, label: 'lo', flags: IFA_F_PERMANENT },
      { ifindex: 3, family: 'inet', address: '10.1.2.3', prefixlen: 24, label: 'v0:vip', flags: IFA_F_PERMANENT },
      { ifindex: 1, family: 'inet6', address: '::1', prefixlen: 128, flags: IFA_F_PERMANENT },
      { ifindex: 3, family: 'inet6', address: '2001:db8::5', prefixlen: 64, flags: IFA_F_PERMANENT | IFA_F_NODAD },
    ]);
  });
  it('RTM_NEWLINK: name, flags, MAC, operstate', () => {
    const [m] = decodeMsgs(Buffer.from(cap.GETLINK_V0, 'hex'));
    expect(decodeLink(m)).toMatchObject({
      index: 3,
      name: 'v0',
      up: false,
      running: false,
      lowerUp: false,
      mac: '02:00:00:00:00:01',
      operstate: 'down',
    });
  });
  it('malformed messages are decode errors', () => {
    const m = (payload: Buffer): NlMsg => ({ type: RTM_NEWADDR, flags: 0, seq: 1, pid: 0, payload });
    expect(() => decodeAddr(m(Buffer.alloc(7)))).toThrow(NetlinkDecodeError);
    expect(() => decodeAddr(m(Buffer.from('07000000' + '01000000', 'hex')))).toThrow(/neither inet nor inet6/);
    expect(() => decodeAddr(m(Buffer.from('02180000' + '01000000' + '06000200' + '0a000000', 'hex')))).toThrow(
      /address attribute of 2 bytes/,
    );
    expect(() => decodeLink(m(Buffer.alloc(15)))).toThrow(NetlinkDecodeError);
  });
});

describe('Rtnetlink client over a scripted connection', () => {
  const kernel = (m: NlMsg): Buffer[] | NlMsg[] => {
    if (m.type === RTM_GETADDR) return cap.GETADDR_DUMP.map((h) => restamp(h, m.seq));
    if (m.type === RTM_GETLINK) return [restamp(cap.GETLINK_V0 + cap.GETLINK_V0_ACK, m.seq)];
    return [ack(m)];
  };

  it('lists and filters addresses from a dump across datagrams', async () => {
    const t = scriptedTransport(kernel);
    const rt = new Rtnetlink(new NetlinkConnection(t));
    expect((await rt.listAddresses()).map((a) => a.address)).toEqual(['127.0.0.1', '10.1.2.3', '::1', '2001:db8::5']);
    expect((await rt.listAddresses({ ifindex: 3, family: 'inet6' })).map((a) => a.address)).toEqual(['2001:db8::5']);
    expect(t.sent[0].flags).toBe(NLM_F_REQUEST | NLM_F_DUMP);
    expect(t.sent[1].payload[0]).toBe(10);
  });

  it('adds with CREATE|EXCL|ACK and deletes with ACK', async () => {
    const t = scriptedTransport(kernel);
    const rt = new Rtnetlink(new NetlinkConnection(t));
    await rt.addAddress({ ifindex: 3, address: '10.9.9.9', prefixlen: 32 });
    await rt.delAddress({ ifindex: 3, address: '10.9.9.9', prefixlen: 32 });
    expect(t.sent.map((m) => [m.type, m.flags])).toEqual([
      [RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL],
      [RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK],
    ]);
  });

  it('kernel refusals name the errno and the address', async () => {
    const t = scriptedTransport((m) => [errorReply(m, m.type === RTM_NEWADDR ? 17 : 99)]);
    const rt = new Rtnetlink(new NetlinkConnection(t));
    const spec = { ifindex: 3, address: '10.9.9.9', prefixlen: 32 };
    expect(await rejection(rt.addAddress(spec))).toMatchObject({ code: 'EEXIST', op: 'RTM_NEWADDR 10.9.9.9/32 dev 3' });
    expect(await rejection(rt.delAddress(spec))).toMatchObject({
      code: 'EADDRNOTAVAIL',
      op: 'RTM_DELADDR 10.9.9.9/32 dev 3',
    });
    expect(await rejection(rt.addAddress({ ...spec, address: 'nope' }))).toMatchObject({ code: 'EINVAL' });
    expect(t.sent.length).toBe(2);
  });

  it('finds a link by name; a missing one is ENODEV', async () => {
    const rt = new Rtnetlink(new NetlinkConnection(scriptedTransport(kernel)));
    expect(await rt.linkIndex('v0')).toBe(3);
    const missing = new Rtnetlink(new NetlinkConnection(scriptedTransport((m) => [errorReply(m, 19)])));
    expect(await rejection(missing.linkIndex('eth9'))).toMatchObject({ code: 'ENODEV', op: 'RTM_GETLINK eth9' });
  });
});

describe('events', () => {
  it('toEvent turns captured messages into address and link events', () => {
    const [lo] = decodeMsgs(Buffer.from(cap.GETADDR_DUMP[0], 'hex'));
    expect(toEvent(lo)).toEqual({
      kind: 'addr',
      added: true,
      ifindex: 1,
      family: 'inet',
      address: '127.0.0.1',
      prefixlen: 8,
      label: 'lo',
    });
    expect(toEvent({ ...lo, type: RTM_DELADDR })).toMatchObject({ added: false });
    const [link] = decodeMsgs(Buffer.from(cap.GETLINK_V0, 'hex'));
    expect(toEvent(link)).toEqual({ kind: 'link', index: 3, name: 'v0', up: false, running: false, lowerUp: false });
    expect(toEvent({ ...link, type: 17 })).toMatchObject({ removed: true });
    expect(toEvent({ ...link, type: 24 })).toBeNull();
  });

  it('subscribeLinkAddr delivers multicast events, reports bad ones and losses, and closes', async () => {
    const t = scriptedTransport(() => []);
    const events: LinkAddrEvent[] = [];
    const errors: string[] = [];
    const sub = subscribeLinkAddr((e) => events.push(e), {
      connection: new NetlinkConnection(t),
      onError: (e) => errors.push((e as NetlinkError).code),
    });
    const [lo] = decodeMsgs(Buffer.from(cap.GETADDR_DUMP[0], 'hex'));
    t.inject([{ ...lo, seq: 0 }], { multicast: true });
    t.inject([{ ...lo, seq: 0, payload: Buffer.alloc(3) }], { multicast: true });
    t.failReceive('ENOBUFS', 105);
    await new Promise((r) => setTimeout(r, 10));
    expect(events.map((e) => e.kind === 'addr' && e.address)).toEqual(['127.0.0.1']);
    expect(errors).toEqual(['EBADMSG', 'ENOBUFS']);
    sub.close();
    expect(t.closed).toBe(true);
  });
});
