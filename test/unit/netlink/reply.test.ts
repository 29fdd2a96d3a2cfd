import { describe, expect, it } from 'vitest';
import { NetlinkDecodeError, NetlinkError } from '../../../src/netlink/errors.js';
import {
  NLMSG_DONE,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  type NlMsg,
} from '../../../src/netlink/message.js';
import { asNetlinkError, step, type Awaiting } from '../../../src/netlink/reply.js';
import { ack, done, errorReply } from '../../support/scripted-netlink.js';

const req: NlMsg = { type: 0x30, flags: 5, seq: 9, pid: 1, payload: Buffer.alloc(4) };
const awaiting = (dump = false): Awaiting => ({ op: 'OP', dump, replies: [] });
const data = (flags = 0): NlMsg => ({ type: 0x31, flags, seq: 9, pid: 1, payload: Buffer.from([1, 2, 3, 4]) });
const code = (s: ReturnType<typeof step>): string | null => (s.done ? (s.error?.code ?? 'ok') : null);

describe('step: one reply applied to the request it answers', () => {
  it('data is kept (as a copy) until the ACK', () => {
    const p = awaiting();
    const d = data();
    expect(code(step(p, d))).toBeNull();
    d.payload[0] = 99;
    expect(p.replies.map((m) => m.payload[0])).toEqual([1]);
    expect(code(step(p, ack(req)))).toBe('ok');
  });
  it('with keep, data goes to keep as the message itself and nothing is copied', () => {
    const kept: NlMsg[] = [];
    const p: Awaiting = { ...awaiting(true), keep: (m) => void kept.push(m) };
    const d = data(NLM_F_MULTI);
    expect(code(step(p, d))).toBeNull();
    expect(kept).toEqual([d]);
    expect(kept[0].payload).toBe(d.payload);
    expect(p.replies).toEqual([]);
  });
  it('an error ends the request with its errno and extack', () => {
    const s = step(awaiting(), errorReply(req, 3, 'no service'));
    expect(s.done && s.error).toMatchObject({ code: 'ESRCH', op: 'OP', extack: 'no service' });
  });
  it('a dump ends at DONE; a negative DONE status or DUMP_INTR fails it', () => {
    expect(code(step(awaiting(true), data(NLM_F_MULTI)))).toBeNull();
    expect(code(step(awaiting(true), done(req)))).toBe('ok');
    expect(code(step(awaiting(true), done(req, -16)))).toBe('EBUSY');
    expect(code(step(awaiting(true), { ...done(req), flags: NLM_F_MULTI | NLM_F_DUMP_INTR }))).toBe('EINTR');
    expect(code(step(awaiting(true), data(NLM_F_MULTI | NLM_F_DUMP_INTR)))).toBe('EINTR');
  });
  it('DONE outside a dump is data; NOOP is skipped; OVERRUN is ENOBUFS', () => {
    const p = awaiting();
    expect(code(step(p, { ...data(), type: NLMSG_DONE }))).toBeNull();
    expect(p.replies.length).toBe(1);
    expect(code(step(p, { ...data(), type: NLMSG_NOOP }))).toBeNull();
    expect(p.replies.length).toBe(1);
    expect(code(step(p, { ...data(), type: NLMSG_OVERRUN }))).toBe('ENOBUFS');
  });
  it('a malformed NLMSG_ERROR throws NetlinkDecodeError; asNetlinkError turns it into EBADMSG', () => {
    let err: unknown;
    try {
      step(awaiting(), { type: 2, flags: 0, seq: 9, pid: 1, payload: Buffer.from([0xea, 0xff, 0xff, 0xff]) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkDecodeError);
    const n = asNetlinkError(err as Error, 'OP');
    expect(n).toBeInstanceOf(NetlinkError);
    expect([n.code, n.op]).toEqual(['EBADMSG', 'OP']);
    const same = new NetlinkError(17, 'X');
    expect(asNetlinkError(same, 'OP')).toBe(same);
  });
});
