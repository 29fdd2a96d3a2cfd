import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeEcho, inetChecksum, parseIcmp } from '../../../src/health/icmp-packet.js';
import type { IcmpTransport } from '../../../src/health/icmp-native.js';
import { Pinger } from '../../../src/health/icmp.js';

/** A minimal IPv4 header (20 bytes) in front of an ICMP message, as raw IPv4 sockets deliver. */
const ip4 = (icmp: Buffer) => Buffer.concat([Buffer.from('4500000000000000400100000a0000020a000001', 'hex'), icmp]);

describe('ICMP echo codec', () => {
  it('encodes an IPv4 echo request with a valid checksum (golden bytes)', () => {
    const b = encodeEcho(4, 0x1234, 1, 4);
    expect(b.toString('hex')).toBe('0800' + b.subarray(2, 4).toString('hex') + '12340001' + '5a5a5a5a');
    expect(inetChecksum(b)).toBe(0);
    expect(encodeEcho(6, 0x1234, 2, 0).toString('hex')).toBe('8000000012340002');
  });

  it('parses replies (with and without IP header) and errors that quote our request', () => {
    const reply4 = Buffer.from(encodeEcho(4, 7, 9, 0));
    reply4[0] = 0;
    expect(parseIcmp(4, ip4(reply4), true)).toEqual({ kind: 'reply', id: 7, seq: 9 });
    const unreach = Buffer.concat([Buffer.from('03010000' + '00000000', 'hex'), ip4(encodeEcho(4, 7, 10, 0))]);
    expect(parseIcmp(4, ip4(unreach), true)).toEqual({ kind: 'error', id: 7, seq: 10, reason: 'host unreachable' });
    const reply6 = Buffer.from('8100000000070009', 'hex');
    expect(parseIcmp(6, reply6, false)).toEqual({ kind: 'reply', id: 7, seq: 9 });
    const unreach6 = Buffer.concat([Buffer.from('0103000000000000', 'hex'), Buffer.alloc(40), encodeEcho(6, 7, 11, 0)]);
    expect(parseIcmp(6, unreach6, false)).toEqual({ kind: 'error', id: 7, seq: 11, reason: 'address unreachable' });
  });

  it('ignores echo requests, unrelated types and short packets', () => {
    expect(parseIcmp(6, encodeEcho(6, 1, 1, 0), false)).toBeUndefined();
    expect(parseIcmp(4, Buffer.from('0500', 'hex'), false)).toBeUndefined();
    expect(parseIcmp(4, Buffer.alloc(3), true)).toBeUndefined();
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 120 }),
        fc.boolean(),
        fc.constantFrom(4 as const, 6 as const),
        (bytes, hdr, fam) => {
          parseIcmp(fam, Buffer.from(bytes), hdr);
        },
      ),
    );
  });
});

/** A scripted transport: records sends; `reply` pushes packets back as the kernel would. */
function scripted(mode: 'raw' | 'dgram') {
  const sent: Array<{ packet: Buffer; address: string }> = [];
  let cb: (d: Buffer, from: string) => void = () => {};
  const t: IcmpTransport = {
    mode,
    send: (packet, address) => void sent.push({ packet, address }),
    onPacket: (f) => void (cb = f),
    close: () => {},
  };
  return { t, sent, deliver: (d: Buffer, from: string) => cb(d, from) };
}

describe('Pinger (one shared socket)', () => {
  it('matches replies by id/seq and source, ignoring other processes and other hosts', async () => {
    const s = scripted('raw');
    const p = new Pinger(() => s.t);
    const a = p.ping('10.0.0.1', 0, new AbortController().signal);
    const b = p.ping('10.0.0.2', 0, new AbortController().signal);
    expect(s.sent.map((x) => x.address)).toEqual(['10.0.0.1', '10.0.0.2']);
    const asReply = (req: Buffer, id?: number) => {
      const r = Buffer.from(req);
      r[0] = 0;
      if (id !== undefined) r.writeUInt16BE(id, 4);
      return ip4(r);
    };
    const idOf = s.sent[0].packet.readUInt16BE(4);
    s.deliver(asReply(s.sent[1].packet, (idOf + 1) & 0xffff), '10.0.0.2'); // another process's ping
    s.deliver(asReply(s.sent[1].packet), '10.0.0.9'); // right seq, wrong host
    s.deliver(asReply(s.sent[1].packet), '10.0.0.2');
    s.deliver(asReply(s.sent[0].packet), '10.0.0.1');
    expect(await b).toMatchObject({ ok: true, detail: expect.stringMatching(/^echo reply from 10\.0\.0\.2/) });
    expect(await a).toMatchObject({ ok: true });
  });

  it('an ICMP error about our request fails the probe with its reason; abort frees the slot', async () => {
    const s = scripted('raw');
    const p = new Pinger(() => s.t);
    const ctrl = new AbortController();
    const a = p.ping('10.0.0.1', 0, new AbortController().signal);
    const b = p.ping('10.0.0.3', 0, ctrl.signal);
    s.deliver(ip4(Buffer.concat([Buffer.from('0301000000000000', 'hex'), ip4(s.sent[0].packet)])), '10.0.0.254');
    expect(await a).toEqual({ ok: false, detail: 'ping 10.0.0.1: host unreachable (from 10.0.0.254)' });
    ctrl.abort();
    expect(await b).toEqual({ ok: false, detail: 'ICMP probe of 10.0.0.3 aborted' });
  });

  it('ping sockets (dgram): the kernel owns the id, replies match by seq; IPv6 addresses compare canonically', async () => {
    const s = scripted('dgram');
    const p = new Pinger(() => s.t);
    const a = p.ping('2001:db8:0:0::1', 0, new AbortController().signal);
    const r = Buffer.from(s.sent[0].packet);
    r[0] = 129;
    r.writeUInt16BE(4321, 4);
    s.deliver(r, '2001:db8::1');
    expect(await a).toMatchObject({ ok: true });
  });

  it('a socket that cannot be opened or a send error become failures, not throws', async () => {
    const p = new Pinger(() => {
      throw new Error('cannot open an ICMP socket: raw socket EPERM (needs CAP_NET_RAW)');
    });
    expect(await p.ping('10.0.0.1', 0, new AbortController().signal)).toEqual({
      ok: false,
      detail: 'cannot open an ICMP socket: raw socket EPERM (needs CAP_NET_RAW)',
    });
    const s = scripted('raw');
    s.t.send = () => {
      throw Object.assign(new Error('x'), { code: 'ENETUNREACH' });
    };
    expect(await new Pinger(() => s.t).ping('10.0.0.1', 0, new AbortController().signal)).toEqual({
      ok: false,
      detail: 'ping 10.0.0.1: ENETUNREACH',
    });
  });
});
