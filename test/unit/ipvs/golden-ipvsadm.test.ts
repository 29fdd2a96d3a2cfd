/**
 * Golden bytes captured from ipvsadm 1.31 itself (strace inside UML on Linux 6.1, see
 * test/fixtures/ipvs/capture.sh). For each operation, the same ipvsadm command line is parsed by
 * lvsd's rules parser and encoded by lvsd's codec: the message must equal ipvsadm's byte for byte
 * (seq and pid taken from the capture). Replies captured in the same boot are decoded and printed
 * back, and must equal what ipvsadm printed.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeError,
  decodeMsgs,
  encodeMsg,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  type NlMsg,
} from '../../../src/netlink/message.js';
import { encodeGetDests, encodeGetInfo, encodeGetServices, encodeOp } from '../../../src/ipvs/codec.js';
import * as C from '../../../src/ipvs/constants.js';
import { decodeDestMsg, decodeInfo, decodeServiceId, decodeServiceMsg } from '../../../src/ipvs/decode.js';
import { parseAttrs } from '../../../src/netlink/attributes.js';
import { decodeGenl } from '../../../src/netlink/genl.js';
import { formatList, formatSave, sortTable } from '../../../src/ipvs/format.js';
import { parseRule } from '../../../src/ipvs/rules.js';
import { serviceKey, type IpvsTable, type Op, type TableService } from '../../../src/ipvs/types.js';
import { CAPTURED_FAMILY, readCapture, readText } from './capture.js';

/** capture name → the ipvsadm arguments it was made with (capture.sh). */
const CASES: Record<string, string> = {
  'new-service-tcp': '-A -t 10.0.0.1:80 -s wrr',
  'set-service-persist': '-E -t 10.0.0.1:80 -s rr -p 300 -M 255.255.255.0',
  'new-service-udp6-sh': '-A -u [2001:db8::1]:53 -s sh -b sh-fallback,sh-port -o',
  'new-service-fwm-pe': '-A -f 7 -s mh -b mh-fallback,mh-port -p 60 --pe sip',
  'new-service-fwm6': '-A -f 9 -6 -s lblcr -p 120 -M 64',
  'new-service-sctp': '-A --sctp-service 10.0.0.3:9 -s lc',
  'new-dest-nat': '-a -t 10.0.0.1:80 -r 10.0.2.2:8080 -m -w 3',
  'set-dest-dr': '-e -t 10.0.0.1:80 -r 10.0.2.2:80 -g -w 5 -x 100 -y 10',
  'new-dest-dr': '-a -t 10.0.0.1:80 -r 10.0.2.4 -g -w 2 -x 50 -y 5',
  'new-dest-gue': '-a -t 10.0.0.1:80 -r 10.0.2.3 -i --tun-type gue --tun-port 6080 --tun-nocsum',
  'new-dest-gre': '-a -f 7 -r 10.0.2.5 -i --tun-type gre --tun-csum',
  'new-dest-gue-remcsum': '-a -f 7 -r 10.0.2.6 -i --tun-type gue --tun-port 5555 --tun-remcsum',
  'new-dest-ipip6': '-a -u [2001:db8::1]:53 -r [2001:db8:2::2]:53 -i -w 0',
  'new-dest-udp6-nat': '-a -u [2001:db8::1]:53 -r [2001:db8:2::3]:5353 -m',
  'zero-service': '-Z -t 10.0.0.1:80',
  'zero-all': '-Z',
  'del-dest': '-d -t 10.0.0.1:80 -r 10.0.2.3:80',
  'del-service': '-D --sctp-service 10.0.0.3:9',
  flush: '-C',
  'err-exists': '-A -t 10.0.0.1:80 -s rr',
  'err-no-service': '-a -t 10.9.9.9:80 -r 10.0.2.2',
  'err-no-scheduler': '-A -t 10.0.0.9:80 -s nosuch',
};

function ipvsCommand(name: string): NlMsg {
  const sends = readCapture(name)
    .filter((d) => d.dir === 'send')
    .flatMap((d) => decodeMsgs(d.bytes))
    .filter((m) => m.type === CAPTURED_FAMILY && m.payload[0] !== C.IPVS_CMD_GET_INFO);
  expect(sends).toHaveLength(1);
  return sends[0];
}

function opOf(line: string): Op {
  const r = parseRule(line);
  if (r?.kind !== 'op') throw new Error(`not an op: ${line}`);
  return r.op;
}

describe('lvsd encodes exactly what ipvsadm sends', () => {
  for (const [name, line] of Object.entries(CASES)) {
    it(`${name}: ipvsadm ${line}`, () => {
      const captured = ipvsCommand(name);
      const mine = encodeOp(opOf(line));
      expect(captured.flags).toBe(NLM_F_REQUEST | NLM_F_ACK);
      const rebuilt = encodeMsg({
        type: CAPTURED_FAMILY,
        flags: captured.flags,
        seq: captured.seq,
        pid: captured.pid,
        payload: mine.payload,
      });
      expect(rebuilt.toString('hex')).toBe(encodeMsg(captured).toString('hex'));
    });
  }

  it('GET_INFO, the GET_SERVICE dump and every GET_DEST dump match the list capture', () => {
    const sends = readCapture('list')
      .filter((d) => d.dir === 'send')
      .flatMap((d) => decodeMsgs(d.bytes));
    expect(sends[0].payload.equals(encodeGetInfo().payload)).toBe(true);
    const svcDump = sends.find((m) => m.payload[0] === C.IPVS_CMD_GET_SERVICE)!;
    expect(svcDump.flags).toBe(NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
    expect(svcDump.payload.equals(encodeGetServices().payload)).toBe(true);
    const table = tableFromCapture();
    const destDumps = sends.filter((m) => m.payload[0] === C.IPVS_CMD_GET_DEST);
    expect(destDumps).toHaveLength(table.services.length);
    // ipvsadm sorts services before asking for their destinations
    const sorted = sortTable(table);
    destDumps.forEach((m, i) =>
      expect(m.payload.toString('hex')).toBe(encodeGetDests(sorted[i].id).payload.toString('hex')),
    );
  });
});

/** Replays list.strace: GET_INFO reply, GET_SERVICE dump, then one GET_DEST dump per service in order. */
function tableFromCapture(): IpvsTable & { info: ReturnType<typeof decodeInfo> } {
  const conv = readCapture('list').flatMap((d) => decodeMsgs(d.bytes).map((m) => ({ dir: d.dir, m })));
  let info: ReturnType<typeof decodeInfo> | undefined;
  const services: TableService[] = [];
  let current: 'svc' | number = 'svc';
  for (const { dir, m } of conv) {
    if (dir === 'send') {
      if (m.payload[0] === C.IPVS_CMD_GET_DEST) {
        const id = decodeServiceId(parseAttrs(decodeGenl(m.payload).attrs.get(C.IPVS_CMD_ATTR_SERVICE)!));
        current = services.findIndex((s) => serviceKey(s.id) === serviceKey(id));
      }
      continue;
    }
    if (m.type === NLMSG_DONE || m.type === NLMSG_ERROR) continue;
    if (m.payload[0] === C.IPVS_CMD_SET_INFO || (info === undefined && m.payload[0] === C.IPVS_CMD_GET_INFO))
      info = decodeInfo(m.payload);
    else if (current === 'svc') services.push(decodeServiceMsg(m.payload));
    else services[current].destinations.push(decodeDestMsg(m.payload, services[current].id.af));
  }
  return { services, info: info! };
}

describe('lvsd reads ipvsadm-made tables and prints them as ipvsadm does', () => {
  const table = tableFromCapture();

  it('decodes the kernel version and every service', () => {
    expect(table.info).toEqual({ version: '1.2.1', versionCode: 0x010201, connTabSize: 4096 });
    expect(table.services).toHaveLength(21);
    const fwm = table.services.find((s) => s.id.fwmark === 7)!;
    expect(fwm).toMatchObject({ scheduler: 'mh', flags: 0x19, timeout: 60, pe: 'sip', netmask: 0xffffffff });
    expect(
      [...fwm.destinations]
        .sort((a, b) => a.address.localeCompare(b.address))
        .map((d) => [d.address, d.tunType, d.tunPort, d.tunFlags]),
    ).toEqual([
      ['10.0.2.5', 'gre', undefined, 1],
      ['10.0.2.6', 'gue', 5555, 2],
    ]);
    const persist = table.services.find((s) => s.id.address === '10.0.0.1')!;
    expect(persist.netmask).toBe(0xffffff00);
    expect(persist.destinations.find((d) => d.address === '10.0.2.4')).toMatchObject({
      forwarding: 'dr',
      weight: 2,
      upperThreshold: 50,
      lowerThreshold: 5,
      port: 80,
    });
    expect(persist.stats?.conns).toBe(0n);
  });

  it('`ipvsadm -S -n` text equals formatSave of the decoded table, byte for byte', () => {
    expect(formatSave(table)).toBe(readText('save.txt'));
  });

  it('`ipvsadm -Ln` and `-Ln --stats` equal formatList', () => {
    expect(formatList(table, table.info)).toBe(readText('list.txt'));
    expect(formatList(table, table.info, { stats: true })).toBe(readText('list-stats.txt'));
  });
});

describe('kernel refusals captured from ipvsadm', () => {
  const cases: Array<[string, string]> = [
    ['err-exists', 'EEXIST'],
    ['err-no-service', 'ESRCH'],
    ['err-no-scheduler', 'ENOENT'],
  ];
  for (const [name, code] of cases) {
    it(`${name} → ${code}`, async () => {
      const { errnoName } = await import('../../../native/errno.js');
      const replies = readCapture(name)
        .filter((d) => d.dir === 'recv')
        .flatMap((d) => decodeMsgs(d.bytes));
      const err = replies.find((m) => m.type === NLMSG_ERROR)!;
      expect(errnoName(decodeError(err.payload, err.flags).errno)).toBe(code);
    });
  }
});
