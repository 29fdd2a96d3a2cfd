import { describe, expect, it } from 'vitest';
import { attrStr, attrU32 } from '../../../src/netlink/attributes.js';
import { NetlinkDecodeError, NetlinkError } from '../../../src/netlink/errors.js';
import {
  CTRL_CMD_GETFAMILY,
  GENL_ID_CTRL,
  decodeFamily,
  decodeGenl,
  genlPayload,
  getFamilyPayload,
  resolveFamily,
} from '../../../src/netlink/genl.js';
import { decodeMsgs, type NlMsg } from '../../../src/netlink/message.js';
import * as cap from './captured.js';

const hex = (b: Buffer): string => b.toString('hex');

describe('generic netlink header', () => {
  it('genlPayload writes cmd, version, zero reserved, then attributes', () => {
    expect(hex(genlPayload(15, 1, [attrU32(1, 2)]))).toBe('0f010000' + '0800010002000000');
  });
  it('CTRL_CMD_GETFAMILY "IPVS" matches the request a Python client sent the kernel', () => {
    expect(hex(getFamilyPayload('IPVS'))).toBe('03010000' + '0900020049505653' + '00000000');
  });
  it('decodeGenl splits header and attributes', () => {
    const g = decodeGenl(genlPayload(CTRL_CMD_GETFAMILY, 2, [attrStr(2, 'x')]));
    expect([g.cmd, g.version, [...g.attrs.keys()]]).toEqual([3, 2, [2]]);
  });
  it('decodeGenl throws NetlinkDecodeError below 4 bytes', () => {
    expect(() => decodeGenl(Buffer.from([1, 2]))).toThrow(NetlinkDecodeError);
  });
});

describe('family resolution', () => {
  it('decodes the real nlctrl family reply, including its multicast group', () => {
    const [m] = decodeMsgs(Buffer.from(cap.GETFAMILY_NLCTRL_REPLY, 'hex'));
    const f = decodeFamily(m.payload);
    expect({ ...f, mcastGroups: [...f.mcastGroups] }).toEqual({
      id: GENL_ID_CTRL,
      version: 2,
      hdrsize: 0,
      maxattr: 0,
      mcastGroups: [['notify', 16]],
    });
  });

  it('a reply without a family id is a decode error', () => {
    expect(() => decodeFamily(genlPayload(1, 1, [attrStr(2, 'IPVS')]))).toThrow(/without CTRL_ATTR_FAMILY_ID/);
  });

  it('resolveFamily sends GETFAMILY to GENL_ID_CTRL and decodes the reply', async () => {
    const sent: Array<{ type: number; payload: Buffer; op: string }> = [];
    const [reply] = decodeMsgs(Buffer.from(cap.GETFAMILY_NLCTRL_REPLY, 'hex'));
    const conn = {
      request: async (r: { type: number; payload: Buffer; op: string }): Promise<NlMsg[]> => (sent.push(r), [reply]),
    };
    const f = await resolveFamily(conn, 'nlctrl');
    expect(f.id).toBe(0x10);
    expect(sent.map((r) => [r.type, hex(r.payload), r.op])).toEqual([
      [GENL_ID_CTRL, hex(getFamilyPayload('nlctrl')), 'CTRL_CMD_GETFAMILY nlctrl'],
    ]);
  });

  it('resolveFamily passes on the kernel ENOENT for a missing family', async () => {
    const conn = {
      request: async (r: { op: string }): Promise<NlMsg[]> => {
        throw new NetlinkError(2, r.op);
      },
    };
    await expect(resolveFamily(conn, 'IPVS')).rejects.toMatchObject({ code: 'ENOENT', op: 'CTRL_CMD_GETFAMILY IPVS' });
  });
});
