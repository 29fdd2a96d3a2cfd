/**
 * Malformed replies never crash the decoders: random payloads and mutations (bit flips,
 * truncation, length corruption) of real kernel replies captured from ipvsadm's session either
 * decode or throw NetlinkDecodeError, nothing else. Plus hand-made bad replies with a clear message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr, attrNested, attrStr, attrU16, attrU32 } from '../../../src/netlink/attributes.js';
import { NetlinkDecodeError } from '../../../src/netlink/errors.js';
import { genlPayload } from '../../../src/netlink/genl.js';
import { decodeMsgs } from '../../../src/netlink/message.js';
import * as C from '../../../src/ipvs/constants.js';
import { decodeConfig, decodeDestMsg, decodeInfo, decodeServiceMsg } from '../../../src/ipvs/decode.js';
import { CAPTURED_FAMILY, readCapture } from './capture.js';

const DECODERS: Array<(p: Buffer) => unknown> = [
  decodeServiceMsg,
  (p) => decodeDestMsg(p, 'inet'),
  (p) => decodeDestMsg(p, 'inet6'),
  decodeInfo,
  decodeConfig,
];

function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError))
      throw new Error(`threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  }
}

/** Real IPVS data replies (service and destination dump entries with STATS and STATS64). */
const realPayloads = readCapture('list')
  .filter((d) => d.dir === 'recv')
  .flatMap((d) => decodeMsgs(d.bytes))
  .filter((m) => m.type === CAPTURED_FAMILY)
  .map((m) => m.payload);

describe('IPVS decoders on malformed input', () => {
  it('has real replies to mutate', () => {
    expect(realPayloads.length).toBeGreaterThan(20);
    expect(realPayloads.some((p) => p[0] === C.IPVS_CMD_NEW_DEST)).toBe(true);
  });

  it('random bytes: decode or NetlinkDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const d of DECODERS) onlyDecodeErrors(() => d(Buffer.from(bytes)));
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated real replies: decode or NetlinkDecodeError', () => {
    const mutation = fc.record({
      which: fc.nat(realPayloads.length - 1),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(mutation, ({ which, flips, cut }) => {
        const p = Buffer.from(realPayloads[which]);
        for (const [at, v] of flips) p[at % p.length] = v;
        const q = cut === undefined ? p : p.subarray(0, cut % (p.length + 1));
        for (const d of DECODERS) onlyDecodeErrors(() => d(q));
        onlyDecodeErrors(() => decodeMsgs(q));
      }),
      { numRuns: 3000 },
    );
  });

  it('names what is wrong', () => {
    const svc = (attrs: Buffer[]): Buffer =>
      genlPayload(C.IPVS_CMD_NEW_SERVICE, 1, [attrNested(C.IPVS_CMD_ATTR_SERVICE, attrs)]);
    expect(() => decodeServiceMsg(genlPayload(1, 1, []))).toThrow(/IPVS reply without IPVS_CMD_ATTR_SERVICE/);
    expect(() => decodeServiceMsg(svc([attrU16(C.IPVS_SVC_ATTR_AF, 99)]))).toThrow(/unknown address family 99/);
    expect(() =>
      decodeServiceMsg(svc([attrU16(C.IPVS_SVC_ATTR_AF, 2), attrU16(C.IPVS_SVC_ATTR_PROTOCOL, 50)])),
    ).toThrow(/unknown IPVS service protocol 50/);
    const short = svc([
      attrU16(C.IPVS_SVC_ATTR_AF, 10),
      attrU16(C.IPVS_SVC_ATTR_PROTOCOL, 6),
      attr(C.IPVS_SVC_ATTR_ADDR, Buffer.alloc(4)),
      attrU16(C.IPVS_SVC_ATTR_PORT, 80),
    ]);
    expect(() => decodeServiceMsg(short)).toThrow(/address attribute of 4 bytes, need 16/);
    const noFlags = svc([
      attrU16(C.IPVS_SVC_ATTR_AF, 2),
      attrU32(C.IPVS_SVC_ATTR_FWMARK, 1),
      attrStr(C.IPVS_SVC_ATTR_SCHED_NAME, 'rr'),
    ]);
    expect(() => decodeServiceMsg(noFlags)).toThrow(NetlinkDecodeError);
    const dest = genlPayload(C.IPVS_CMD_NEW_DEST, 1, [
      attrNested(C.IPVS_CMD_ATTR_DEST, [
        attr(C.IPVS_DEST_ATTR_ADDR, Buffer.alloc(16)),
        attrU16(C.IPVS_DEST_ATTR_PORT, 1),
        attrU32(C.IPVS_DEST_ATTR_FWD_METHOD, 6),
      ]),
    ]);
    expect(() => decodeDestMsg(dest, 'inet')).toThrow(/unknown IPVS forwarding method 6/);
    expect(() => decodeInfo(genlPayload(15, 1, [attrU32(1, 1)]))).toThrow(/IPVS_INFO_ATTR_CONN_TAB_SIZE/);
  });
});
