/**
 * Sync-daemon golden bytes captured from ipvsadm 1.31 in user-mode Linux 6.1
 * (test/fixtures/ipvs/capture-daemon.sh): lvsd's NEW/DEL/GET_DAEMON requests equal ipvsadm's byte
 * for byte, the kernel's dump replies decode to what ipvsadm printed (`ipvsadm -L --daemon`,
 * daemon-list*.txt), and the refusals captured are explained in words.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeError,
  decodeMsgs,
  encodeMsg,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_ERROR,
  type NlMsg,
} from '../../../src/netlink/message.js';
import { NetlinkDecodeError, NetlinkError } from '../../../src/netlink/errors.js';
import * as C from '../../../src/ipvs/constants.js';
import { SyncDaemonError } from '../../../src/ipvs/errors.js';
import {
  decodeDaemonMsg,
  encodeDelDaemon,
  encodeGetDaemons,
  encodeNewDaemon,
  formatDaemons,
  syncRefusal,
  type SyncDaemon,
} from '../../../src/ipvs/sync-daemon.js';
import { CAPTURED_FAMILY, readCapture, readText } from './capture.js';

/** The IPVS command ipvsadm sent in a capture (GET_INFO, which ipvsadm sends first, left out). */
function ipvsCommand(name: string): NlMsg {
  const sends = readCapture(name)
    .filter((d) => d.dir === 'send')
    .flatMap((d) => decodeMsgs(d.bytes))
    .filter((m) => m.type === CAPTURED_FAMILY && m.payload[0] !== C.IPVS_CMD_GET_INFO);
  expect(sends).toHaveLength(1);
  return sends[0];
}

function replies(name: string): NlMsg[] {
  return readCapture(name)
    .filter((d) => d.dir === 'recv')
    .flatMap((d) => decodeMsgs(d.bytes));
}

function sameBytes(captured: NlMsg, payload: Buffer): void {
  const rebuilt = encodeMsg({
    type: CAPTURED_FAMILY,
    flags: captured.flags,
    seq: captured.seq,
    pid: captured.pid,
    payload,
  });
  expect(rebuilt.toString('hex')).toBe(encodeMsg(captured).toString('hex'));
}

const STARTS: Array<[string, string, SyncDaemon]> = [
  [
    'daemon-start-master',
    '--start-daemon master --mcast-interface eth0 --syncid 5',
    { state: 'master', interface: 'eth0', syncId: 5 },
  ],
  [
    'daemon-start-backup',
    '--start-daemon backup --mcast-interface eth1 --syncid 7 --sync-maxlen 1400 --mcast-group 239.1.2.3 --mcast-port 9000 --mcast-ttl 3',
    { state: 'backup', interface: 'eth1', syncId: 7, maxlen: 1400, group: '239.1.2.3', port: 9000, ttl: 3 },
  ],
  [
    'daemon-start-master6',
    '--start-daemon master --mcast-interface eth0 --syncid 255 --sync-maxlen 9000 --mcast-group ff02::1:2 --mcast-port 65535 --mcast-ttl 255',
    { state: 'master', interface: 'eth0', syncId: 255, maxlen: 9000, group: 'ff02::1:2', port: 65535, ttl: 255 },
  ],
  [
    'daemon-err-exists',
    '--start-daemon master --mcast-interface eth0 --syncid 1',
    { state: 'master', interface: 'eth0', syncId: 1 },
  ],
  [
    'daemon-err-nodev',
    '--start-daemon backup --mcast-interface nosuch0',
    { state: 'backup', interface: 'nosuch0', syncId: 0 },
  ],
];

describe('lvsd encodes the sync-daemon commands exactly as ipvsadm', () => {
  for (const [name, args, d] of STARTS)
    it(`${name}: ipvsadm ${args}`, () => {
      const captured = ipvsCommand(name);
      expect(captured.flags).toBe(NLM_F_REQUEST | NLM_F_ACK);
      sameBytes(captured, encodeNewDaemon(d).payload);
    });

  for (const state of ['master', 'backup'] as const)
    it(`daemon-stop-${state}: ipvsadm --stop-daemon ${state}`, () => {
      sameBytes(ipvsCommand(`daemon-stop-${state}`), encodeDelDaemon(state).payload);
    });

  it('daemon-list: ipvsadm -L --daemon sends a GET_DAEMON dump', () => {
    const captured = ipvsCommand('daemon-list');
    expect(captured.flags).toBe(NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
    const r = encodeGetDaemons();
    expect(r.dump).toBe(true);
    sameBytes(captured, r.payload);
  });
});

function dumped(name: string): SyncDaemon[] {
  return replies(name)
    .filter((m) => m.type === CAPTURED_FAMILY && m.payload[0] === C.IPVS_CMD_NEW_DAEMON)
    .map((m) => decodeDaemonMsg(m.payload));
}

describe('the kernel dump replies decode to what ipvsadm printed', () => {
  it('master and backup at once (the kernel allows one of each), with every ≥ 4.3 attribute', () => {
    const list = dumped('daemon-list');
    expect(list).toEqual([
      { state: 'master', interface: 'eth0', syncId: 5, maxlen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 },
      { state: 'backup', interface: 'eth1', syncId: 7, maxlen: 1400, group: '239.1.2.3', port: 9000, ttl: 3 },
    ]);
    expect(formatDaemons(list)).toBe(readText('daemon-list.txt'));
  });

  it('an IPv6 group, and a backup whose maxlen 10 the kernel raised to 1024 without a word', () => {
    const list = dumped('daemon-list-6');
    expect(list[0]).toEqual({
      state: 'master',
      interface: 'eth0',
      syncId: 255,
      maxlen: 9000,
      group: 'ff02::1:2',
      port: 65535,
      ttl: 255,
    });
    expect(list[1]).toMatchObject({ state: 'backup', syncId: 0, maxlen: 1024, group: '224.0.0.81' });
    expect(formatDaemons(list)).toBe(readText('daemon-list-6.txt'));
  });

  it('no daemon: an empty dump, printed as nothing', () => {
    expect(dumped('daemon-list-none')).toEqual([]);
    expect(formatDaemons([])).toBe(readText('daemon-list-none.txt'));
  });
});

describe('refusals captured from ipvsadm, said in words', () => {
  const cases: Array<[string, string, SyncDaemon | 'master', RegExp]> = [
    ['daemon-err-exists', 'EEXIST', STARTS[3][2], /a master sync daemon is already running in this network namespace/],
    ['daemon-err-nodev', 'ENODEV', STARTS[4][2], /no interface "nosuch0" in this network namespace/],
    ['daemon-err-stop-none', 'ESRCH', 'master', /cannot stop the master sync daemon: no master sync daemon is running/],
  ];
  for (const [name, code, subject, text] of cases)
    it(`${name} → ${code}`, () => {
      const err = replies(name).find((m) => m.type === NLMSG_ERROR)!;
      const e = syncRefusal(new NetlinkError(decodeError(err.payload, err.flags).errno, 'op'), subject);
      expect(e).toBeInstanceOf(SyncDaemonError);
      expect(e.reason).toBe(code);
      expect(e.message).toMatch(text);
    });
});

describe('values the kernel would refuse or silently change are refused before sending', () => {
  const base: SyncDaemon = { state: 'master', interface: 'eth0', syncId: 1 };
  const bad: Array<[Partial<SyncDaemon>, RegExp]> = [
    [{ maxlen: 0 }, /maxlen 0 is taken by the kernel as "not set"/],
    [{ port: 0 }, /port 0 is taken by the kernel as "not set"/],
    [{ ttl: 0 }, /ttl 0 is taken by the kernel as "not set"/],
    [{ ttl: 256 }, /ttl 256 is outside 1-255/],
    [{ syncId: 256 }, /sync id 256 is outside 0-255/],
    [{ group: '10.1.1.1' }, /group 10.1.1.1 is not a multicast address/],
    [{ group: 'nope' }, /group "nope" is not an IP address/],
    [{ interface: 'a-very-long-ifname' }, /is not an interface name/],
    [{ interface: '' }, /the multicast interface is required/],
    [
      { state: 'backup', maxlen: 10 },
      /maxlen 10 is outside 1024-65507 \(a backup raises anything below 1024 to 1024\)/,
    ],
    [{ maxlen: 65508 }, /maxlen 65508 is outside 1-65507/],
    [{ group: 'ff02::1:2', maxlen: 65488 }, /maxlen 65488 is outside 1-65487/],
  ];
  for (const [patch, text] of bad)
    it(JSON.stringify(patch), () => {
      expect(() => encodeNewDaemon({ ...base, ...patch })).toThrow(text);
    });

  it('the limits themselves pass', () => {
    for (const ok of [
      { maxlen: 1, ttl: 1, port: 1, syncId: 0 },
      { maxlen: 65507, ttl: 255, port: 65535, syncId: 255 },
      { state: 'backup' as const, maxlen: 1024, group: 'ff05::1' },
    ])
      expect(() => encodeNewDaemon({ ...base, ...ok })).not.toThrow();
  });
});

describe('decodeDaemonMsg on malformed replies', () => {
  const real = replies('daemon-list')
    .filter((m) => m.type === CAPTURED_FAMILY && m.payload[0] === C.IPVS_CMD_NEW_DAEMON)
    .map((m) => m.payload);

  it('decodes or throws NetlinkDecodeError, for mutated real replies and random bytes', () => {
    const mutation = fc.record({
      which: fc.nat(real.length - 1),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      random: fc.uint8Array({ maxLength: 120 }),
    });
    fc.assert(
      fc.property(mutation, ({ which, flips, cut, random }) => {
        const p = Buffer.from(real[which]);
        for (const [at, v] of flips) p[at % p.length] = v;
        for (const input of [cut === undefined ? p : p.subarray(0, cut % (p.length + 1)), Buffer.from(random)])
          try {
            decodeDaemonMsg(input);
          } catch (e) {
            if (!(e instanceof NetlinkDecodeError)) throw e;
          }
      }),
      { numRuns: 3000 },
    );
  });

  it('an unknown state is named', () => {
    const p = Buffer.from(real[0]);
    p.writeUInt32LE(7, 4 + 4 + 4); // genl header, DAEMON nest header, STATE header → STATE value
    expect(() => decodeDaemonMsg(p)).toThrow(/unknown sync daemon state 7/);
  });
});
