/**
 * Every decoder lvsd runs on bytes from outside, as a fuzz target: the VRRP packet (and the state
 * machine it feeds), netlink replies (message framing, reply.ts, the IPVS and rtnetlink decoders),
 * the control-protocol line, the HTTP response parser, the DNS reply and the config loader.
 * `run` returns what became of one input; the errors a decoder's contract names (NetlinkDecodeError,
 * ControlError, HttpParseError) count as rejections, anything else escapes and is a finding.
 */
import { parseConfig } from '../../src/config/load.js';
import { ControlError, decodeResponse, parseRequest } from '../../src/control/protocol.js';
import { readReply } from '../../src/health/dns.js';
import type { DnsSpec } from '../../src/health/schemas/dns.js';
import { HttpParseError, ResponseParser } from '../../src/health/http-response.js';
import { decodeConfig, decodeDestMsg, decodeInfo, decodeServiceMsg } from '../../src/ipvs/decode.js';
import { NetlinkDecodeError } from '../../src/netlink/errors.js';
import { decodeFamily } from '../../src/netlink/genl.js';
import { decodeError, decodeMsgs, type NlMsg } from '../../src/netlink/message.js';
import { step as replyStep } from '../../src/netlink/reply.js';
import { decodeAddr, decodeLink, RTM_NEWADDR, RTM_NEWLINK } from '../../src/rtnetlink/codec.js';
import { toEvent } from '../../src/rtnetlink/events.js';
import { parseIpv4 } from '../../src/vrrp/ip.js';
import { initialState, step as vrrpStep, type MachineConfig } from '../../src/vrrp/machine.js';
import { parseCmsg6 } from '../../src/vrrp/net.js';
import { ipBytes } from '../../native/ip.js';
import { inetChecksum, pseudoV4 } from '../../src/vrrp/checksum.js';
import { decodeAdvert, IPPROTO_VRRP, type Expectation } from '../../src/vrrp/packet.js';
import { mutate as mutateToml } from '../../test/unit/config/mutate.js';
import type { Rng } from './mutate.js';
import * as S from './seeds.js';

/** What became of one input. */
export type Outcome = 'accepted' | 'rejected';

/** One decoder under fuzz. */
export interface FuzzTarget {
  name: string;
  /** Valid inputs to mutate. */
  seeds(): Buffer[];
  /** Tokens of the input's syntax, inserted by the mutator. */
  dict?: readonly string[];
  /** Optional mutation of its own (structure-aware), used for half the inputs. */
  mutate?(seed: Buffer, r: Rng): Buffer;
  /** Decodes one input; throws only when the decoder broke its contract. */
  run(input: Buffer, r: Rng): Outcome;
}

/** Calls `f`; an error of one of `allowed` is a rejection, anything else is rethrown. */
function typed(allowed: Array<new (...a: never[]) => Error>, f: () => unknown): Outcome {
  try {
    f();
    return 'accepted';
  } catch (e) {
    if (allowed.some((c) => e instanceof c)) return 'rejected';
    throw e;
  }
}

const EXPECT: Expectation[] = [
  { family: 4, version: 2, vrid: 51, multicast: true, intervalCs: 100, addresses: ['10.99.0.50'], self: '10.99.0.12' },
  { family: 4, version: 2, vrid: 51, multicast: true, intervalCs: 100, password: 'secret' },
  { family: 4, version: 3, vrid: 51, multicast: true, addresses: ['10.99.0.50'], self: '10.99.0.12' },
  { family: 4, version: 3, vrid: 51, multicast: false, peers: ['10.99.0.11'], addresses: ['10.99.0.50'] },
];
const EXPECT6: Expectation = {
  family: 6,
  version: 3,
  vrid: 51,
  multicast: true,
  addresses: ['2001:db8::50', 'fe80::50'],
};
const MACHINE: MachineConfig = {
  version: 3,
  intervalCs: 100,
  priority: 100,
  preempt: true,
  preemptDelayMs: 0,
  primaryIp: '10.99.0.12',
};
const BACKUP = vrrpStep(MACHINE, initialState(MACHINE, 0), { type: 'startup', now: 0 }).state;
const MASTER = vrrpStep(MACHINE, BACKUP, { type: 'timer', now: 1e9 }).state;

/** A copy of a mutated message with a valid checksum (v2 style or v3 pseudo-header), so the later checks run. */
function withChecksum(msg: Buffer, src: string, dst: string, pseudo: boolean): Buffer {
  if (msg.length < 8) return msg;
  const m = Buffer.from(msg);
  m.writeUInt16BE(0, 6);
  const ph = pseudo ? [pseudoV4(ipBytes(src), ipBytes(dst), IPPROTO_VRRP, m.length)] : [];
  m.writeUInt16BE(inetChecksum(...ph, m), 6);
  return m;
}

const vrrp: FuzzTarget = {
  name: 'vrrp advert',
  seeds: S.vrrpSeeds,
  run(input, r) {
    parseCmsg6(input);
    const six = decodeAdvert(input, { src: 'fe80::1', dst: 'ff02::12', ttl: 255 }, EXPECT6);
    const ip = parseIpv4(input);
    if (!ip.ok) return six.ok ? 'accepted' : 'rejected';
    const msg = r() % 2 ? withChecksum(ip.payload, ip.src, ip.dst, r() % 2 === 0) : ip.payload;
    const d = decodeAdvert(msg, ip, EXPECT[r() % EXPECT.length]!);
    if (!d.ok) return 'rejected';
    for (const s of [BACKUP, MASTER])
      vrrpStep(MACHINE, s, { type: 'advert', now: 5000, advert: d.advert, src: ip.src });
    return 'accepted';
  },
};

const netlink: FuzzTarget = {
  name: 'netlink reply',
  seeds: S.netlinkSeeds,
  run: (input, r) =>
    typed([NetlinkDecodeError], () => {
      for (const m of decodeMsgs(input)) {
        replyStep({ op: 'FUZZ', dump: r() % 2 === 0, replies: [] }, m);
        if (m.type === 2) decodeError(m.payload, m.flags);
      }
    }),
};

const IPVS_DECODERS: Array<(p: Buffer) => unknown> = [
  decodeServiceMsg,
  (p) => decodeDestMsg(p, 'inet'),
  (p) => decodeDestMsg(p, 'inet6'),
  (p) => decodeDestMsg(p, 'inet', false),
  decodeInfo,
  decodeConfig,
  decodeFamily,
];

/** The data payloads of the captured replies: what the IPVS and rtnetlink decoders are handed. */
const payloads = () =>
  S.netlinkSeeds().flatMap((d) => {
    try {
      return decodeMsgs(d)
        .filter((m) => m.type >= 0x10)
        .map((m) => m.payload);
    } catch {
      return [];
    }
  });

const ipvs: FuzzTarget = {
  name: 'ipvs reply',
  seeds: payloads,
  run: (input, r) => typed([NetlinkDecodeError], () => IPVS_DECODERS[r() % IPVS_DECODERS.length]!(input)),
};

const rtnetlink: FuzzTarget = {
  name: 'rtnetlink reply',
  seeds: payloads,
  run(input, r) {
    const m: NlMsg = { type: 16 + (r() % 6), flags: 0, seq: 0, pid: 0, payload: input };
    const outcomes = [
      typed([NetlinkDecodeError], () => decodeAddr({ ...m, type: RTM_NEWADDR })),
      typed([NetlinkDecodeError], () => decodeLink({ ...m, type: RTM_NEWLINK })),
      typed([NetlinkDecodeError], () => toEvent(m)),
    ];
    return outcomes.includes('accepted') ? 'accepted' : 'rejected';
  },
};

const control: FuzzTarget = {
  name: 'control line',
  seeds: S.controlSeeds,
  dict: [
    '{',
    '}',
    '[',
    ']',
    '"',
    ':',
    ',',
    '\\',
    '\\u0000',
    '\\ud800',
    'null',
    'true',
    '1e999',
    '-0',
    '"cmd"',
    '"status"',
    '"drain"',
    '"enable"',
    '"vs"',
    '"rs"',
    '"__proto__"',
    '"constructor"',
    '"ok"',
    '"error"',
    '"result"',
    '\n',
    '\u2028',
  ],
  run(input) {
    const line = input.toString('utf8');
    const a = typed([ControlError], () => parseRequest(line));
    const b = typed([ControlError], () => decodeResponse(line));
    return a === 'accepted' || b === 'accepted' ? 'accepted' : 'rejected';
  },
};

const http: FuzzTarget = {
  name: 'http response',
  seeds: S.httpSeeds,
  dict: [
    'HTTP/1.1 ',
    'HTTP/1.0 ',
    '200',
    '\r\n',
    '\r\n\r\n',
    '\n',
    'Content-Length: ',
    'content-length:',
    'Transfer-Encoding: ',
    'chunked',
    ', chunked',
    'gzip',
    'Location: ',
    '0\r\n\r\n',
    'ffffffffffffff',
    '-1',
    '1e3',
    ';',
    ':',
    ' ',
    '\t',
    '\0',
  ],
  run(input, r) {
    const p = new ResponseParser({
      head: r() % 8 === 0,
      maxHeadBytes: r() % 4 === 0 ? 64 : undefined,
      onBody: () => undefined,
    });
    return typed([HttpParseError], () => {
      for (let i = 0; i < input.length;) {
        const n = 1 + (r() % Math.max(1, input.length));
        p.feed(input.subarray(i, i + n));
        i += n;
      }
      p.end();
    });
  },
};

const DNS_SPECS: DnsSpec[] = ['A', 'AAAA', 'TXT', 'SRV', 'MX', 'CNAME', 'SOA'].map((t) => ({
  type: 'dns',
  name: 'svc.example',
  query_type: t as DnsSpec['query_type'],
  expect_answer: t === 'A' ? '10.1.2.3' : t === 'TXT' ? 'okv=1' : undefined,
  recursion: true,
  interval: 1000,
  timeout: 1000,
  rise: 1,
  fall: 1,
})) as DnsSpec[];

const dns: FuzzTarget = {
  name: 'dns reply',
  seeds: S.dnsSeeds,
  run(input, r) {
    const v = readReply(input, S.DNS_ID, DNS_SPECS[r() % DNS_SPECS.length]!, '10.0.0.1:53');
    return v?.ok ? 'accepted' : 'rejected';
  },
};

const config: FuzzTarget = {
  name: 'config loader',
  seeds: S.configSeeds,
  dict: [
    '=',
    '[',
    ']',
    '[[',
    ']]',
    '{',
    '}',
    '"',
    "'''",
    '\n',
    '#',
    '.',
    ',',
    '0x',
    '1e999',
    'inf',
    'nan',
    '"1s"',
    '"30d"',
    'virtual_server',
    'real_server',
    'vrrp_instance',
    'check',
    'address',
    'port',
    'weight',
    '\\u0000',
    '"\\uD800"',
  ],
  mutate: (seed, r) => Buffer.from(mutateToml(seed.toString('utf8'), () => r() / 4294967296)),
  run(input) {
    return parseConfig(input.toString('utf8'), 'fuzz.toml').ok ? 'accepted' : 'rejected';
  },
};

/** Every target, in the order the benchmark runs them. */
export const TARGETS: FuzzTarget[] = [vrrp, netlink, ipvs, rtnetlink, control, http, dns, config];
