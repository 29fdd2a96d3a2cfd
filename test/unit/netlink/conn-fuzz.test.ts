/**
 * Malformed netlink replies never crash the connection: whatever bytes come back, every request
 * settles with data or a typed error (NetlinkError / NetlinkDecodeError), and the connection keeps
 * working for the next request.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attrU32 } from '../../../src/netlink/attributes.js';
import { NetlinkConnection } from '../../../src/netlink/conn.js';
import { NetlinkDecodeError, NetlinkError } from '../../../src/netlink/errors.js';
import { encodeMsg, type NlMsg } from '../../../src/netlink/message.js';
import { ack, scriptedTransport } from '../../support/scripted-netlink.js';

/** A reply built around the request's seq, with random type/flags/payload (often a bad NLMSG_ERROR or DONE). */
const replyArb = fc.record({
  type: fc.constantFrom(1, 2, 3, 4, 0x31),
  flags: fc.constantFrom(0, 2, 0x10, 0x100, 0x200, 0x300),
  payload: fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a)),
  raw: fc.option(
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    { freq: 3 },
  ),
});

describe('connection under malformed replies', () => {
  it('settles every request with data or a typed error, and stays usable', async () => {
    await fc.assert(
      fc.asyncProperty(replyArb, fc.boolean(), async (r, dump) => {
        let first = true;
        const t = scriptedTransport((m: NlMsg) => {
          if (!first) return [ack(m)];
          first = false;
          if (r.raw) return [r.raw];
          return [encodeMsg({ type: r.type, flags: r.flags, seq: m.seq, pid: m.pid, payload: r.payload })];
        });
        const c = new NetlinkConnection(t, { timeoutMs: 20 });
        const outcome = await c.request({ type: 0x30, payload: attrU32(1, 1), op: 'FUZZ', dump }).then(
          (replies) => replies,
          (e: unknown) => e,
        );
        if (!Array.isArray(outcome))
          expect(outcome instanceof NetlinkError || outcome instanceof NetlinkDecodeError).toBe(true);
        // a generous deadline here: the scripted ack comes at once, but a loaded machine can stall 20 ms
        expect(await c.request({ type: 0x30, payload: attrU32(1, 2), op: 'AFTER' }, { timeoutMs: 5000 })).toEqual([]);
        c.close();
      }),
      { numRuns: 300 },
    );
  });
});
