/**
 * The ipvsadm rule language: defaults and checks copied from ipvsadm 1.31 (several verified in
 * UML: bracketed IPv6 without port, zero port, -r without port), bad lines naming their line,
 * and formatOp ∘ parseRule as identity over random ops (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as C from '../../../src/ipvs/constants.js';
import { RulesError } from '../../../src/ipvs/errors.js';
import { formatOp, maskText } from '../../../src/ipvs/format.js';
import { parseRule, parseRules } from '../../../src/ipvs/rules.js';
import { canonicalIp } from '../../../native/ip.js';
import { type Destination, type Op, type Service, type ServiceId } from '../../../src/ipvs/types.js';

const op = (line: string): Op => {
  const r = parseRule(line);
  if (r?.kind !== 'op') throw new Error('not an op');
  return r.op;
};
const err = (line: string): string => {
  try {
    parseRule(line, 7);
  } catch (e) {
    expect(e).toBeInstanceOf(RulesError);
    expect((e as RulesError).line).toBe(7);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${line}`);
};

describe('parseRule: ipvsadm defaults', () => {
  it('-A: scheduler wlc, /32 mask, no flags; -p alone means 360 s', () => {
    expect(op('-A -t 10.0.0.1:80')).toEqual({
      op: 'add-service',
      service: {
        id: { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
        scheduler: 'wlc',
        flags: 0,
        timeout: 0,
        netmask: 0xffffffff,
      },
    });
    expect(op('-A -t 10.0.0.1:80 -p -s rr')).toMatchObject({
      service: { scheduler: 'rr', flags: C.IP_VS_SVC_F_PERSISTENT, timeout: 360 },
    });
    expect(op('-A -u [2001:DB8::1]:53 -p 60 -M 64')).toMatchObject({
      service: { id: { af: 'inet6', protocol: 'udp', address: '2001:db8::1' }, netmask: 64, timeout: 60 },
    });
    expect(op('-A -t 10.0.0.1 -p')).toMatchObject({ service: { id: { port: 0 } } });
  });

  it('-a: gatewaying, weight 1; DR/TUN take the service port; NAT keeps its own (or the service port)', () => {
    expect(op('-a -t 10.0.0.1:80 -r 10.0.2.2:8080')).toMatchObject({
      op: 'add-dest',
      dest: { forwarding: 'dr', port: 80, weight: 1 },
    });
    expect(op('-a -t 10.0.0.1:80 -r 10.0.2.2:8080 -m')).toMatchObject({ dest: { forwarding: 'nat', port: 8080 } });
    expect(op('-a -t 10.0.0.1:80 -r 10.0.2.2 -m')).toMatchObject({ dest: { port: 80 } });
    expect(op('-a -t 10.0.0.1:80 -r 10.0.2.2:0 -m')).toMatchObject({ dest: { port: 0 } });
    expect(op('-a -f 7 -r 10.0.2.2 -i')).toMatchObject({ dest: { port: 0, forwarding: 'tun', tunType: 'ipip' } });
    expect(op('-d -t 10.0.0.1:80 -r 10.0.2.2:8080')).toEqual({
      op: 'del-dest',
      service: { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
      dest: { af: 'inet', address: '10.0.2.2', port: 8080 },
    });
  });

  it('long options, --opt=value, tunnels, thresholds, flags, -6, --set, -C, -Z', () => {
    expect(
      op(
        '--add-server --tcp-service=10.0.0.1:80 --real-server 10.0.2.2:81 --masquerading --weight=4 --u-threshold 9 --l-threshold 3',
      ),
    ).toMatchObject({ dest: { weight: 4, upperThreshold: 9, lowerThreshold: 3 } });
    expect(op('-a -t 10.0.0.1:80 -r 10.0.2.2 -i --tun-type gue --tun-port 6080 --tun-remcsum')).toMatchObject({
      dest: { tunType: 'gue', tunPort: 6080, tunFlags: C.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM },
    });
    expect(op('-a -t 10.0.0.1:80 -r 10.0.2.2 -i --tun-type gre --tun-csum')).toMatchObject({
      dest: { tunType: 'gre', tunFlags: 1 },
    });
    expect(op('-A -u 10.0.0.1:53 -s sh -b sh-port,sh-fallback -o')).toMatchObject({
      service: { flags: C.IP_VS_SVC_F_SCHED1 | C.IP_VS_SVC_F_SCHED2 | C.IP_VS_SVC_F_ONEPACKET },
    });
    expect(op('-A -f 9 -6 -s rr')).toMatchObject({ service: { id: { af: 'inet6', fwmark: 9 }, netmask: 128 } });
    expect(parseRule('--set 10 20 30')).toMatchObject({ kind: 'set', timeouts: { tcp: 10, tcpFin: 20, udp: 30 } });
    expect(op('-C')).toEqual({ op: 'flush' });
    expect(op('-Z')).toEqual({ op: 'zero' });
    expect(op('ipvsadm -Z -t 10.0.0.1:80')).toEqual({
      op: 'zero',
      service: { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
    });
    expect(op('-A -t 10.0.0.1:80 -p 10 -M 255.255.254.0')).toMatchObject({ service: { netmask: 0xfffffe00 } });
    expect(parseRule('   ')).toBeNull();
  });
});

describe('parseRule: bad lines name their line and the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['-A -t 10.0.0.1:80 -s rr -w', /option -w needs a value|not valid with this command/],
    ['-a -t 10.0.0.1:80 -r 10.0.2.2 -w lots', /invalid weight "lots"/],
    ['-a -t 10.0.0.1:80 -r 10.0.2.2 -w 2147483648', /invalid weight/],
    ['-A -t 10.0.0.300:80', /invalid address "10.0.0.300"/],
    ['-A -t 10.0.0.1:99999', /invalid port "99999"/],
    ['-A -t 10.0.0.1', /zero port specified for non-persistent service/],
    ['-a -f 3 -6 -r [2001:db8::1] -g', /bracketed IPv6 address needs ":port"/],
    ['-A -t 10.0.0.1:80 -s mh -b sh-port', /incompatible scheduler flag 'sh-port'/],
    ['-A -t 10.0.0.1:80 -b bogus', /invalid scheduler flag "bogus"/],
    ['-a -t 10.0.0.1:80 -r 10.0.2.2 -m --tun-type gue', /tunnel options conflict/],
    ['-a -t 10.0.0.1:80 -r 10.0.2.2 -i --tun-type gue', /--tun-port' option for the 'gue'/],
    ['-a -t 10.0.0.1:80 -r 10.0.2.2 -i --tun-port 1', /illegal '--tun-port' option with the 'ipip'/],
    ['-a -t 10.0.0.1:80 -r 10.0.2.2 -i --tun-type gre --tun-remcsum', /illegal '--tun-remcsum'/],
    ['-a -t 10.0.0.1:80 -r 10.0.2.2 -i --tun-type gue --tun-port 1 --tun-csum --tun-nocsum', /conflicts/],
    ['-a -t 10.0.0.1:80 -r 10.0.2.2 -i --tun-type vxlan', /invalid tunnel type "vxlan"/],
    ['-a -t 10.0.0.1:80 -r 2001:db8::2 -m', /different address family is allowed only for tunneling/],
    ['-a -t 10.0.0.1:80 -r 10.0.2.2 -m -g', /more than one forwarding method/],
    ['-A -t 10.0.0.1:80 -u 10.0.0.1:53', /more than one service/],
    ['-A -s rr', /no service given/],
    ['-a -t 10.0.0.1:80', /no real server given/],
    ['-t 10.0.0.1:80', /no command/],
    ['-A -E -t 10.0.0.1:80', /more than one command/],
    ['-A -t 10.0.0.1:80 --frobnicate', /unknown option --frobnicate/],
    ['-D -t 10.0.0.1:80 -s rr', /option '-s' is not valid with this command/],
    ['-A -t 10.0.0.1:80 -s rr -s wrr', /multiple '-s' options/],
    ['-A -f 0', /fwmark must be 1 or more/],
    ['-A -t 10.0.0.1:80 -p 10 -M 255.255.255', /invalid IPv4 netmask/],
    ['-A -t [::1]:80 -p 10 -M 129', /IPv6 netmask/],
    ['-A -t 10.0.0.1:80 -s ../x', /invalid scheduler/],
    ['--set 1 2', /--set needs three timeouts/],
    ['-C 10.0.0.1', /unexpected argument/],
  ];
  for (const [line, re] of cases) it(line, () => expect(err(line)).toMatch(new RegExp(`^line 7: .*${re.source}`)));

  it('parseRules reports every bad line of a file with its number', () => {
    const { lines, errors } = parseRules('-A -t 10.0.0.1:80\n\n-a -t 10.0.0.1:80 -r nope\n-C\n-X\n');
    expect(lines.map((l) => l.line)).toEqual([1, 4]);
    expect(errors.map((e) => e.line)).toEqual([3, 5]);
  });
});

const addr4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 }))
  .map((a) => a.join('.'));
const addr6 = fc
  .tuple(fc.integer({ min: 0x2001, max: 0x2fff }), fc.nat(0xffff), fc.nat(0xffff))
  .map(([a, b, c]) => canonicalIp(`${a.toString(16)}:db8:${b.toString(16)}::${c.toString(16)}`)!);
const sid: fc.Arbitrary<ServiceId> = fc.oneof(
  fc.record({
    af: fc.constant('inet' as const),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const),
    address: addr4,
    port: fc.integer({ min: 1, max: 65535 }),
  }),
  fc.record({
    af: fc.constant('inet6' as const),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const),
    address: addr6,
    port: fc.integer({ min: 1, max: 65535 }),
  }),
  fc.record({
    af: fc.constantFrom('inet' as const, 'inet6' as const),
    fwmark: fc.integer({ min: 1, max: 0xffffffff }),
  }),
);
const service = sid.chain((id) =>
  fc
    .record({
      scheduler: fc.constantFrom('rr', 'wrr', 'wlc', 'sh', 'mh', 'lblcr'),
      persistent: fc.boolean(),
      timeout: fc.integer({ min: 1, max: 100000 }),
      prefix: fc.integer({ min: 1, max: 32 }),
      ops: fc.boolean(),
      sched: fc.integer({ min: 0, max: 7 }),
      pe: fc.boolean(),
    })
    .map((o): Service => {
      const netmask =
        id.af === 'inet6'
          ? o.persistent
            ? Math.min(128, o.prefix * 4)
            : 128
          : o.persistent
            ? (0xffffffff << (32 - o.prefix)) >>> 0
            : 0xffffffff;
      const flags =
        (o.persistent ? C.IP_VS_SVC_F_PERSISTENT : 0) | (o.ops ? C.IP_VS_SVC_F_ONEPACKET : 0) | (o.sched << 3);
      const s: Service = { id, scheduler: o.scheduler, flags, timeout: o.persistent ? o.timeout : 0, netmask };
      if (o.pe && o.persistent) s.pe = 'sip';
      return s;
    }),
);
const dest = (id: ServiceId): fc.Arbitrary<Destination> =>
  fc
    .record({
      fwd: fc.constantFrom('nat' as const, 'dr' as const, 'tun' as const),
      tun: fc.constantFrom('ipip' as const, 'gue' as const, 'gre' as const),
      csum: fc.nat(2),
      tunPort: fc.integer({ min: 1, max: 65535 }),
      address: id.af === 'inet6' ? addr6 : addr4,
      port: fc.nat(65535),
      weight: fc.nat(0x7fffffff),
      u: fc.nat(100000),
      l: fc.nat(100000),
    })
    .map((o) => {
      const port = id.fwmark === undefined && o.fwd !== 'nat' ? id.port : o.port;
      const d: Destination = {
        af: id.af,
        address: o.address,
        port,
        forwarding: o.fwd,
        weight: o.weight,
        upperThreshold: o.u,
        lowerThreshold: o.l,
      };
      if (o.fwd === 'tun') {
        d.tunType = o.tun;
        if (o.tun === 'gue') d.tunPort = o.tunPort;
        if (o.tun !== 'ipip') d.tunFlags = o.tun === 'gre' ? o.csum % 2 : o.csum;
      }
      return d;
    });
const anyOp: fc.Arbitrary<Op> = fc.oneof(
  service.map((s): Op => ({ op: 'add-service', service: s })),
  service.map((s): Op => ({ op: 'edit-service', service: s })),
  sid.map((id): Op => ({ op: 'del-service', id })),
  sid.chain((id) => dest(id).map((d): Op => ({ op: 'add-dest', service: id, dest: d }))),
  sid.chain((id) => dest(id).map((d): Op => ({ op: 'edit-dest', service: id, dest: d }))),
  sid.chain((id) =>
    dest(id).map((d): Op => ({ op: 'del-dest', service: id, dest: { af: d.af, address: d.address, port: d.port } })),
  ),
  fc.constant<Op>({ op: 'flush' }),
  fc.option(sid, { nil: undefined }).map((id): Op => (id ? { op: 'zero', service: id } : { op: 'zero' })),
);

describe('formatOp', () => {
  it('parseRule(formatOp(op)) gives op back, for random ops', () => {
    fc.assert(
      fc.property(anyOp, (o) => {
        expect(op(formatOp(o))).toEqual(o);
      }),
      { numRuns: 500 },
    );
  });

  it('prints like ipvsadm', () => {
    expect(formatOp(op('-a -t 10.0.0.1:80 -r 10.0.2.2:81 -m -w 3 -x 9'))).toBe(
      '-a -t 10.0.0.1:80 -r 10.0.2.2:81 -m -w 3 -x 9',
    );
    expect(formatOp(op('-E -f 5 -6 -s mh -b mh-port -p 30 -M 48 --pe sip -o'))).toBe(
      '-E -f 5 -6 -s mh -p 30 -M 48 --pe sip -o -b mh-port',
    );
    expect(maskText(0xffffff00)).toBe('255.255.255.0');
  });
});
