import { describe, expect, it } from 'vitest';
import { attrU32 } from '../../../src/netlink/attributes.js';
import { NetlinkConnection, type NlRequest } from '../../../src/netlink/conn.js';
import { NetlinkDecodeError, NetlinkError } from '../../../src/netlink/errors.js';
import { GENL_ID_CTRL, resolveFamily } from '../../../src/netlink/genl.js';
import {
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_ECHO,
  NLM_F_REQUEST,
  decodeMsgs,
  encodeMsg,
  type NlMsg,
} from '../../../src/netlink/message.js';
import { SCRIPTED_PID, ack, done, errorReply, reply, scriptedTransport } from '../../support/scripted-netlink.js';
import { rejection } from '../../support/rejection.js';
import * as cap from './captured.js';

const req = (n: number, extra: Partial<NlRequest> = {}): NlRequest => ({
  type: 0x30,
  payload: attrU32(1, n),
  op: `OP ${n}`,
  ...extra,
});
const nOf = (m: NlMsg): number => m.payload.readUInt32LE(4);
const val = (n: number): Buffer => attrU32(2, n);

describe('request', () => {
  it('sends REQUEST|ACK with a fresh seq and our pid, resolves on the ACK with no data', async () => {
    const t = scriptedTransport((m) => [ack(m)]);
    const c = new NetlinkConnection(t);
    expect(await c.request(req(1))).toEqual([]);
    expect(await c.request(req(2, { flags: 0x400 }))).toEqual([]);
    const [a, b] = t.sent;
    expect([a.type, a.flags, a.pid, nOf(a)]).toEqual([0x30, NLM_F_REQUEST | NLM_F_ACK, SCRIPTED_PID, 1]);
    expect(b.flags).toBe(NLM_F_REQUEST | NLM_F_ACK | 0x400);
    expect(b.seq).toBe(a.seq + 1);
  });

  it('resolves with the data messages that precede the ACK', async () => {
    const t = scriptedTransport((m) => [reply(m, 0x31, val(7)), ack(m)]);
    const got = await new NetlinkConnection(t).request(req(1, { flags: NLM_F_ECHO }));
    expect(got.map((m) => [m.type, m.payload.readUInt32LE(4)])).toEqual([[0x31, 7]]);
  });

  it('rejects with NetlinkError carrying errno name, op and extack', async () => {
    const t = scriptedTransport((m) => [errorReply(m, 17, 'Destination already exists')]);
    const e = await rejection(new NetlinkConnection(t).request(req(5, { op: 'IPVS_CMD_NEW_DEST 10.0.0.2:8080' })));
    expect(e).toBeInstanceOf(NetlinkError);
    expect(e).toMatchObject({
      code: 'EEXIST',
      errno: 17,
      op: 'IPVS_CMD_NEW_DEST 10.0.0.2:8080',
      extack: 'Destination already exists',
    });
    expect(e.message).toBe('IPVS_CMD_NEW_DEST 10.0.0.2:8080: EEXIST (File exists): Destination already exists');
  });

  it('decodes an uncapped kernel error with extack exactly as captured from Linux', async () => {
    const captured = Buffer.from(cap.NEWADDR_ENODEV_EXTACK, 'hex');
    const t = scriptedTransport((m) => {
      const d = Buffer.from(captured);
      d.writeUInt32LE(m.seq, 8);
      return [d];
    });
    const e = await rejection(new NetlinkConnection(t).request(req(1, { op: 'RTM_NEWADDR 10.9.9.9/24' })));
    expect(e).toMatchObject({ code: 'ENODEV', extack: 'ipv4: Device not found' });
  });

  it('EPERM names CAP_NET_ADMIN', async () => {
    const t = scriptedTransport((m) => [errorReply(m, 1)]);
    const e = await rejection(new NetlinkConnection(t).request(req(1, { op: 'IPVS_CMD_FLUSH' })));
    expect(e.message).toMatch(/^IPVS_CMD_FLUSH: EPERM .*CAP_NET_ADMIN/);
  });

  it('a reply datagram that does not parse rejects with NetlinkDecodeError', async () => {
    const t = scriptedTransport(() => [Buffer.from('ffff00000000', 'hex')]);
    const e = await rejection(new NetlinkConnection(t).request(req(1)));
    expect(e).toBeInstanceOf(NetlinkDecodeError);
  });

  it('an NLMSG_ERROR too short to hold its header is a decode error for that request', async () => {
    const t = scriptedTransport((m) => [{ type: 2, flags: 0, seq: m.seq, pid: m.pid, payload: Buffer.alloc(4) }]);
    const e = await rejection(new NetlinkConnection(t).request(req(1)));
    expect(e).toBeInstanceOf(NetlinkDecodeError);
  });

  it('a truncated reply is an EMSGSIZE error, never silent loss', async () => {
    const t = scriptedTransport(() => []);
    const c = new NetlinkConnection(t);
    const p = c.request(req(1));
    t.inject(Buffer.alloc(16), { truncated: true });
    expect(await rejection(p)).toMatchObject({ code: 'EMSGSIZE', op: 'OP 1' });
  });

  it('a receive error (ENOBUFS: replies dropped by the kernel) fails what is pending', async () => {
    const t = scriptedTransport(() => []);
    const p = new NetlinkConnection(t).request(req(1));
    t.failReceive('ENOBUFS', 105);
    expect(await rejection(p)).toMatchObject({ code: 'ENOBUFS', op: 'OP 1' });
  });

  it('a failing sendto rejects with its errno', async () => {
    const t = scriptedTransport(() => []);
    t.send = () => {
      throw Object.assign(new Error('sendto: ECONNREFUSED'), { errno: 111 });
    };
    expect(await rejection(new NetlinkConnection(t).request(req(1)))).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('deadlines', () => {
  it('rejects ETIMEDOUT at the deadline and drops the late reply instead of mis-delivering it', async () => {
    let first: NlMsg | undefined;
    const t = scriptedTransport((m) => {
      if (!first) {
        first = m;
        return [];
      }
      return [ack(m)];
    });
    const c = new NetlinkConnection(t, { timeoutMs: 5000 });
    const notes: NlMsg[] = [];
    c.onNotification((m) => notes.push(m));
    const t0 = Date.now();
    const e = await rejection(c.request(req(1), { timeoutMs: 30 }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(e).toMatchObject({ code: 'ETIMEDOUT', op: 'OP 1' });
    // the kernel answers the first request late, with data: it must reach no one
    t.inject([reply(first!, 0x31, val(99)), errorReply(first!, 17)]);
    expect(await c.request(req(2))).toEqual([]);
    expect(notes).toEqual([]);
  });

  it('uses the connection default when the request has none', async () => {
    const c = new NetlinkConnection(
      scriptedTransport(() => []),
      { timeoutMs: 20 },
    );
    expect(await rejection(c.request(req(1)))).toMatchObject({ code: 'ETIMEDOUT' });
  });
});

describe('dumps', () => {
  it('sends REQUEST|DUMP and gathers parts across datagrams up to DONE', async () => {
    const t = scriptedTransport((m) => [
      encodeMsg(reply(m, 0x31, val(1), true)),
      Buffer.concat([encodeMsg(reply(m, 0x31, val(2), true)), encodeMsg(reply(m, 0x31, val(3), true))]),
      encodeMsg(done(m)),
    ]);
    const got = await new NetlinkConnection(t).request(req(1, { dump: true }));
    expect(t.sent[0].flags).toBe(NLM_F_REQUEST | NLM_F_DUMP);
    expect(got.map((m) => m.payload.readUInt32LE(4))).toEqual([1, 2, 3]);
  });

  it('an empty dump resolves to []', async () => {
    expect(await new NetlinkConnection(scriptedTransport((m) => [done(m)])).request(req(1, { dump: true }))).toEqual(
      [],
    );
  });

  it('an error inside a dump (negative DONE status, or NLMSG_ERROR) rejects', async () => {
    const a = scriptedTransport((m) => [reply(m, 0x31, val(1), true), done(m, -95)]);
    expect(await rejection(new NetlinkConnection(a).request(req(1, { dump: true })))).toMatchObject({
      code: 'EOPNOTSUPP',
    });
    const b = scriptedTransport((m) => [errorReply(m, 22, 'bad filter')]);
    expect(await rejection(new NetlinkConnection(b).request(req(1, { dump: true })))).toMatchObject({
      code: 'EINVAL',
      extack: 'bad filter',
    });
  });

  it('an interrupted dump (NLM_F_DUMP_INTR) is retried, and fails with EINTR if it keeps happening', async () => {
    let calls = 0;
    const flaky = scriptedTransport((m) =>
      ++calls === 1
        ? [reply(m, 0x31, val(1), true, NLM_F_DUMP_INTR), done(m)]
        : [reply(m, 0x31, val(2), true), done(m)],
    );
    const got = await new NetlinkConnection(flaky).request(req(1, { dump: true }));
    expect([calls, got.map((m) => m.payload.readUInt32LE(4))]).toEqual([2, [2]]);
    const broken = scriptedTransport((m) => [reply(m, 0x31, val(1), true), { ...done(m), flags: 2 | NLM_F_DUMP_INTR }]);
    expect(await rejection(new NetlinkConnection(broken).request(req(1, { dump: true })))).toMatchObject({
      code: 'EINTR',
    });
    expect(broken.sent.length).toBe(3);
  });
});

describe('dump: parts decoded as they arrive', () => {
  it('hands each part to the decoder (a view, so decoders read it at once) and collects the results', async () => {
    const t = scriptedTransport((m) => [
      encodeMsg(reply(m, 0x31, val(1), true)),
      Buffer.concat([encodeMsg(reply(m, 0x31, val(2), true)), encodeMsg(reply(m, 0x31, val(3), true))]),
      encodeMsg(done(m)),
    ]);
    const got = await new NetlinkConnection(t).dump(req(1), (m) => m.payload.readUInt32LE(4) * 10);
    expect(t.sent[0].flags).toBe(NLM_F_REQUEST | NLM_F_DUMP);
    expect(got).toEqual([10, 20, 30]);
  });

  it('a retried dump starts a new list: parts of the interrupted attempt are not kept', async () => {
    let calls = 0;
    const flaky = scriptedTransport((m) =>
      ++calls === 1
        ? [reply(m, 0x31, val(1), true), { ...done(m), flags: 2 | NLM_F_DUMP_INTR }]
        : [reply(m, 0x31, val(2), true), done(m)],
    );
    expect(await new NetlinkConnection(flaky).dump(req(1), (m) => m.payload.readUInt32LE(4))).toEqual([2]);
    expect(calls).toBe(2);
  });

  it("the decoder's exception fails the dump with that exception", async () => {
    const t = scriptedTransport((m) => [reply(m, 0x31, val(1), true), done(m)]);
    const e = await rejection(
      new NetlinkConnection(t).dump(req(1), () => {
        throw new NetlinkDecodeError('bad part');
      }),
    );
    expect(e).toBeInstanceOf(NetlinkDecodeError);
    expect((e as Error).message).toContain('bad part');
  });
});

describe('batch', () => {
  it('sends 100 requests per sendto, each with its own ACK or errno, in order', async () => {
    const t = scriptedTransport((m) => (nOf(m) % 50 === 7 ? [errorReply(m, 3, 'no such service')] : [ack(m)]));
    const c = new NetlinkConnection(t);
    const res = await c.batch(Array.from({ length: 250 }, (_, i) => req(i)));
    expect(t.datagrams.length).toBe(3);
    expect(t.sent.map(nOf)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(new Set(t.sent.map((m) => m.seq)).size).toBe(250);
    const failed = res.flatMap((r, i) => (r.ok ? [] : [[i, r.error.code, r.error.op, r.error.extack]]));
    expect(failed).toEqual([7, 57, 107, 157, 207].map((i) => [i, 'ESRCH', `OP ${i}`, 'no such service']));
  });

  it('honours perSend and the 32 KiB datagram bound', async () => {
    const t = scriptedTransport((m) => [ack(m)]);
    const c = new NetlinkConnection(t);
    await c.batch(
      Array.from({ length: 10 }, (_, i) => req(i)),
      { perSend: 4 },
    );
    expect(t.datagrams.map((d) => d.length / 24)).toEqual([4, 4, 2]);
    t.datagrams.length = 0;
    const big = (i: number): NlRequest => ({ type: 0x30, payload: Buffer.alloc(1000, i), op: `BIG ${i}` });
    const res = await c.batch(Array.from({ length: 100 }, (_, i) => big(i)));
    expect(res.every((r) => r.ok)).toBe(true);
    expect(Math.max(...t.datagrams.map((d) => d.length))).toBeLessThanOrEqual(32 * 1024);
    expect(t.datagrams.length).toBe(4);
  });

  it('puts a dump in a datagram of its own and returns its parts', async () => {
    const t = scriptedTransport((m) => (m.flags & NLM_F_DUMP ? [reply(m, 0x31, val(5), true), done(m)] : [ack(m)]));
    const res = await new NetlinkConnection(t).batch([req(1), req(2), req(3, { dump: true }), req(4)]);
    expect(t.datagrams.map((d) => d.length / 24)).toEqual([2, 1, 1]);
    expect(res.map((r) => (r.ok ? r.replies.length : -1))).toEqual([0, 0, 1, 0]);
  });

  it('an unanswered request times out alone; the others keep their answers', async () => {
    const t = scriptedTransport((m) => (nOf(m) === 2 ? [] : [ack(m)]));
    const res = await new NetlinkConnection(t).batch([req(1), req(2), req(3)], { timeoutMs: 30 });
    expect(res.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'ETIMEDOUT', 'ok']);
  });

  it('a malformed reply becomes an EBADMSG result, not a crash', async () => {
    const t = scriptedTransport((m) => [{ type: 2, flags: 0, seq: m.seq, pid: m.pid, payload: Buffer.alloc(3) }]);
    const [r] = await new NetlinkConnection(t).batch([req(1)]);
    expect(r.ok ? 'ok' : [r.error.code, r.error instanceof NetlinkError]).toEqual(['EBADMSG', true]);
  });

  it('an empty batch sends nothing', async () => {
    const t = scriptedTransport((m) => [ack(m)]);
    expect(await new NetlinkConnection(t).batch([])).toEqual([]);
    expect(t.datagrams).toEqual([]);
  });
});

describe('event-loop fairness', () => {
  it('answers that arrive inside sendto still let timers run during a long run of requests', async () => {
    // A transport like the real one: answers are delivered synchronously, inside send().
    let deliver: (d: Buffer, truncated: boolean) => void = () => {};
    const sync = {
      pid: 1,
      send: (d: Buffer) => decodeMsgs(d).forEach((m) => deliver(encodeMsg(ack(m)), false)),
      onDatagram: (cb: typeof deliver) => void (deliver = cb),
      close: () => {},
    };
    const c = new NetlinkConnection(sync);
    let ticks = 0;
    const iv = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    let n = 0;
    // at least 150 ms and 200 requests (a loaded machine gets fewer done in 150 ms), at most 5 s
    while ((performance.now() - t0 < 150 || n < 200) && performance.now() - t0 < 5000) {
      await c.request(req(n++));
    }
    clearInterval(iv);
    expect(n).toBeGreaterThanOrEqual(200);
    expect(ticks).toBeGreaterThan(5);
  });
});

describe('notifications and close', () => {
  it('multicast messages go to listeners even when they echo a pending seq; unsubscribe stops them', async () => {
    const t = scriptedTransport(() => []);
    const c = new NetlinkConnection(t);
    const seen: number[] = [];
    const off = c.onNotification((m) => seen.push(m.type));
    const p = c.request(req(1), { timeoutMs: 200 });
    const echoed = t.sent[0];
    t.inject([reply(echoed, 0x40, val(1))], { multicast: true });
    t.inject([{ type: 0x41, flags: 0, seq: 0, pid: 0, payload: Buffer.alloc(0) }]);
    await new Promise((r) => setImmediate(r));
    t.inject([ack(echoed)]);
    expect(await p).toEqual([]);
    expect(seen).toEqual([0x40, 0x41]);
    off();
    t.inject([{ type: 0x42, flags: 0, seq: 0, pid: 0, payload: Buffer.alloc(0) }], { multicast: true });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([0x40, 0x41]);
  });

  it('garbage or truncated multicast is ignored without failing requests', async () => {
    const t = scriptedTransport((m) => [ack(m)]);
    const c = new NetlinkConnection(t);
    t.inject(Buffer.from('0102', 'hex'), { multicast: true });
    t.inject(Buffer.alloc(40), { multicast: true, truncated: true });
    expect(await c.request(req(1))).toEqual([]);
  });

  it('close rejects what is pending with ECANCELED, closes the transport, and later requests fail', async () => {
    const t = scriptedTransport(() => []);
    const c = new NetlinkConnection(t);
    const p = c.request(req(1));
    c.close();
    c.close();
    expect(await rejection(p)).toMatchObject({ code: 'ECANCELED' });
    expect(t.closed).toBe(true);
    expect(await rejection(c.request(req(2)))).toMatchObject({ code: 'ECANCELED' });
  });
});

describe('resolveFamily over a connection', () => {
  it('answers from the captured kernel reply, and ENOENT from the captured refusal', async () => {
    const withSeq = (hex: string, seq: number): Buffer => {
      const d = Buffer.from(hex, 'hex');
      d.writeUInt32LE(seq, 8);
      return d;
    };
    const t = scriptedTransport((m) => {
      const name = m.payload.subarray(8).toString().replace(/\0.*$/s, '');
      if (name === 'nlctrl')
        return [withSeq(cap.GETFAMILY_NLCTRL_REPLY, m.seq), withSeq(cap.GETFAMILY_NLCTRL_ACK, m.seq)];
      return [withSeq(cap.GETFAMILY_IPVS_ENOENT, m.seq)];
    });
    const c = new NetlinkConnection(t);
    expect((await resolveFamily(c, 'nlctrl')).id).toBe(GENL_ID_CTRL);
    expect(await rejection(resolveFamily(c, 'IPVS'))).toMatchObject({ code: 'ENOENT', op: 'CTRL_CMD_GETFAMILY IPVS' });
    expect(t.sent.map((m) => m.type)).toEqual([GENL_ID_CTRL, GENL_ID_CTRL]);
  });
});
