import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr, attrNested, parseAttrList } from '../../../src/netlink/attributes.js';
import { NetlinkDecodeError } from '../../../src/netlink/errors.js';
import { decodeFamily, decodeGenl, genlPayload } from '../../../src/netlink/genl.js';
import { decodeError, decodeMsgs, encodeMsg } from '../../../src/netlink/message.js';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const msgArb = fc.record({
  type: u16,
  flags: u16,
  seq: u32,
  pid: u32,
  payload: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
});
const attrArb = fc.record({
  type: fc.integer({ min: 0, max: 0x3fff }),
  payload: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
});

/** Only NetlinkDecodeError may escape a decoder fed arbitrary bytes. */
function onlyDecodeErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError)) throw e;
  }
}

describe('round trips', () => {
  it('decodeMsgs(concat(encodeMsg(m)...)) gives back every message', () => {
    fc.assert(
      fc.property(fc.array(msgArb, { maxLength: 8 }), (msgs) => {
        const got = decodeMsgs(Buffer.concat(msgs.map(encodeMsg)));
        expect(got).toEqual(msgs);
      }),
    );
  });

  it('parseAttrList(attrs) gives back types and payloads, nested included', () => {
    fc.assert(
      fc.property(fc.array(attrArb, { maxLength: 10 }), fc.boolean(), (attrs, nest) => {
        const inner = Buffer.concat(attrs.map((a) => attr(a.type, a.payload)));
        const buf = nest ? attrNested(7, [inner], true) : inner;
        const list = nest ? parseAttrList(parseAttrList(buf)[0].payload) : parseAttrList(buf);
        expect(list.map((a) => ({ type: a.type, payload: a.payload }))).toEqual(attrs);
      }),
    );
  });

  it('decode → encode → decode is stable for arbitrary datagrams that decode', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (a) => {
        let first;
        try {
          first = decodeMsgs(Buffer.from(a));
        } catch (e) {
          expect(e).toBeInstanceOf(NetlinkDecodeError);
          return;
        }
        expect(decodeMsgs(Buffer.concat(first.map(encodeMsg)))).toEqual(first);
      }),
    );
  });
});

describe('random bytes never throw anything but NetlinkDecodeError', () => {
  const bytes = fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a));
  it('decodeMsgs, parseAttrList, decodeGenl, decodeFamily', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        onlyDecodeErrors(() => decodeMsgs(b));
        onlyDecodeErrors(() => parseAttrList(b));
        onlyDecodeErrors(() => decodeGenl(b));
        onlyDecodeErrors(() => decodeFamily(b));
      }),
      { numRuns: 2000 },
    );
  });
  it('decodeError with any flags', () => {
    fc.assert(
      fc.property(bytes, u16, (b, flags) => onlyDecodeErrors(() => decodeError(b, flags))),
      { numRuns: 2000 },
    );
  });
  it('structured garbage: valid headers around random attribute bytes', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        onlyDecodeErrors(() => decodeFamily(genlPayload(1, 1, [attr(7, b), b])));
        onlyDecodeErrors(() => decodeFamily(genlPayload(1, 1, [attr(1, Buffer.from([1, 0])), attr(7, b)])));
      }),
      { numRuns: 2000 },
    );
  });
});
