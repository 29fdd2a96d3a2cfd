/**
 * The ipvsadm rule language (`ipvsadm -S` output, `ipvsadm -R` input), pure. One line = one
 * ipvsadm command: -A/-E/-D service, -a/-e/-d server, -C, -Z, --set. Parsing applies ipvsadm
 * 1.31's defaults and checks (scheduler wlc, weight 1, gatewaying, /32 mask, DR/TUN dest port =
 * service port, tunnel options only with -i, scheduler flags matching the scheduler...).
 * Formatting lives in src/ipvs/format.ts.
 */
import { defaultNetmask } from './codec.js';
import * as C from './constants.js';
import { RulesError } from './errors.js';
import { parseIp } from './addr.js';
import {
  type Destination,
  type Family,
  type Forwarding,
  type Op,
  type Protocol,
  type Service,
  type ServiceId,
  type TunnelType,
} from './types.js';
import type { Timeouts } from './codec.js';

/** One parsed line: an Op, or a `--set` of the timeouts. `line` is 1-based, `text` the source. */
export type RuleLine = { line: number; text: string } & ({ kind: 'op'; op: Op } | { kind: 'set'; timeouts: Timeouts });

type Cmd = 'A' | 'E' | 'D' | 'a' | 'e' | 'd' | 'C' | 'Z' | 'set';

const COMMANDS: Record<string, Cmd> = {
  '-A': 'A',
  '--add-service': 'A',
  '-E': 'E',
  '--edit-service': 'E',
  '-D': 'D',
  '--delete-service': 'D',
  '-a': 'a',
  '--add-server': 'a',
  '-e': 'e',
  '--edit-server': 'e',
  '-d': 'd',
  '--delete-server': 'd',
  '-C': 'C',
  '--clear': 'C',
  '-Z': 'Z',
  '--zero': 'Z',
  '--set': 'set',
};

/** Options taking a value (short and long spellings map to one key). -p's value is optional. */
const VALUED: Record<string, string> = {
  '-t': 't',
  '--tcp-service': 't',
  '-u': 'u',
  '--udp-service': 'u',
  '--sctp-service': 'sctp',
  '-f': 'f',
  '--fwmark-service': 'f',
  '-s': 's',
  '--scheduler': 's',
  '-M': 'M',
  '--netmask': 'M',
  '-b': 'b',
  '--sched-flags': 'b',
  '--pe': 'pe',
  '-r': 'r',
  '--real-server': 'r',
  '-w': 'w',
  '--weight': 'w',
  '-x': 'x',
  '--u-threshold': 'x',
  '-y': 'y',
  '--l-threshold': 'y',
  '--tun-type': 'tun-type',
  '--tun-port': 'tun-port',
};
const SWITCHES: Record<string, string> = {
  '-g': 'g',
  '--gatewaying': 'g',
  '-i': 'i',
  '--ipip': 'i',
  '-m': 'm',
  '--masquerading': 'm',
  '-o': 'o',
  '--ops': 'o',
  '-6': '6',
  '--ipv6': '6',
  '-n': 'n',
  '--numeric': 'n',
  '--tun-nocsum': 'tun-nocsum',
  '--tun-csum': 'tun-csum',
  '--tun-remcsum': 'tun-remcsum',
};

interface Parsed {
  cmd: Cmd;
  opts: Map<string, string>;
  args: string[];
}

/** ipvsadm's timeout for a bare -p (seen in UML: `ipvsadm -A ... -p` saves as `-p 360`). */
const DEFAULT_PERSISTENCE = '360';

class LineError extends Error {}

function fail(msg: string): never {
  throw new LineError(msg);
}

/** Splits one line into its command, options and positional arguments (throws LineError). */
function tokenize(words: string[]): Parsed {
  let cmd: Cmd | undefined;
  const opts = new Map<string, string>();
  const args: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const eq = words[i].startsWith('--') ? words[i].indexOf('=') : -1;
    const w = eq > 0 ? words[i].slice(0, eq) : words[i];
    const inline = eq > 0 ? words[i].slice(eq + 1) : undefined;
    if (COMMANDS[w] !== undefined) {
      if (cmd !== undefined) fail(`more than one command (${w})`);
      cmd = COMMANDS[w];
    } else if (w === '-p' || w === '--persistent') {
      const next = words[i + 1];
      opts.set('p', inline ?? (next !== undefined && /^\d+$/.test(next) ? (i++, next) : DEFAULT_PERSISTENCE));
    } else if (VALUED[w] !== undefined) {
      const v = inline ?? words[++i];
      if (v === undefined) fail(`option ${w} needs a value`);
      if (opts.has(VALUED[w])) fail(`multiple '${w}' options specified`);
      opts.set(VALUED[w], v);
    } else if (SWITCHES[w] !== undefined) opts.set(SWITCHES[w], '');
    else if (w.startsWith('-')) fail(`unknown option ${w}`);
    else args.push(w);
  }
  if (cmd === undefined) fail('no command (-A, -E, -D, -a, -e, -d, -C, -Z or --set)');
  return { cmd, opts, args };
}

/** Parses "addr:port", "[v6]:port", "v6" or "addr" (port optional unless `needPort`). */
export function parseHostPort(s: string, needPort: boolean): { address: string; af: Family; port?: number } {
  let host = s;
  let port: string | undefined;
  const colon = s.lastIndexOf(':');
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || (close !== s.length - 1 && s[close + 1] !== ':')) fail(`invalid address "${s}"`);
    if (close === s.length - 1) fail(`"${s}": a bracketed IPv6 address needs ":port" (or drop the brackets)`);
    [host, port] = [s.slice(1, close), s.slice(close + 2)];
  } else if (colon >= 0 && s.indexOf(':') === colon) [host, port] = [s.slice(0, colon), s.slice(colon + 1)];
  const ip = parseIp(host) ?? fail(`invalid address "${host}"`);
  if (port === undefined || port === '') {
    if (needPort) fail(`"${s}" needs a port`);
    return ip;
  }
  const n = Number(port);
  if (!(n >= 0 && n <= 65535 && Number.isInteger(n) && /^\d+$/.test(port))) fail(`invalid port "${port}"`);
  return { address: ip.address, af: ip.af, port: n };
}

function num(s: string, what: string, max: number): number {
  if (!/^\d+$/.test(s) || Number(s) > max) fail(`invalid ${what} "${s}"`);
  return Number(s);
}

/** The last address service parsed: a rules file names one service on every line of its servers. */
let lastService: { k: string; v: string; id: ServiceId } | undefined;

function serviceIdOf(p: Parsed): ServiceId {
  const kinds = ['t', 'u', 'sctp', 'f'].filter((k) => p.opts.has(k));
  if (kinds.length === 0) fail('no service given (-t, -u, --sctp-service or -f)');
  if (kinds.length > 1) fail('more than one service given');
  const k = kinds[0];
  const v = p.opts.get(k)!;
  if (k === 'f')
    return {
      af: p.opts.has('6') ? 'inet6' : 'inet',
      fwmark: num(v, 'fwmark', 0xffffffff) || fail('fwmark must be 1 or more'),
    };
  if (lastService?.k === k && lastService.v === v) return { ...lastService.id };
  const hp = parseHostPort(v, false);
  const protocol: Protocol = k === 't' ? 'tcp' : k === 'u' ? 'udp' : 'sctp';
  const id: ServiceId = { af: hp.af, protocol, address: hp.address, port: hp.port ?? 0 };
  lastService = { k, v, id };
  return { ...id };
}

const FLAG_NAMES: Record<string, { bit: number; scheduler?: string }> = {
  ...C.SCHEDULER_FLAGS,
  'flag-1': { bit: C.IP_VS_SVC_F_SCHED1 },
  'flag-2': { bit: C.IP_VS_SVC_F_SCHED2 },
  'flag-3': { bit: C.IP_VS_SVC_F_SCHED3 },
};

function schedFlags(list: string, sched: string): number {
  let flags = 0;
  for (const f of list.split(',').filter(Boolean)) {
    const def = FLAG_NAMES[f] ?? fail(`invalid scheduler flag "${f}"`);
    if (def.scheduler && def.scheduler !== sched) fail(`incompatible scheduler flag '${f}' (scheduler ${sched})`);
    flags |= def.bit;
  }
  return flags;
}

/** Parses -M: a dotted IPv4 mask (as a number, 255.255.255.0 = 0xffffff00) or an IPv6 prefix length. */
export function parseNetmask(s: string, af: Family): number {
  if (af === 'inet6') return num(s, 'IPv6 netmask (prefix length 1-128)', 128) || fail('IPv6 netmask must be 1-128');
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s) ?? fail(`invalid IPv4 netmask "${s}"`);
  const bytes = m.slice(1).map((b) => num(b, 'IPv4 netmask', 255));
  return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
}

function serviceOf(p: Parsed): Service {
  const id = serviceIdOf(p);
  const scheduler = p.opts.get('s') ?? 'wlc';
  if (!/^[a-z0-9_]{1,15}$/.test(scheduler)) fail(`invalid scheduler "${scheduler}"`);
  let flags = p.opts.has('b') ? schedFlags(p.opts.get('b')!, scheduler) : 0;
  if (p.opts.has('o')) flags |= C.IP_VS_SVC_F_ONEPACKET;
  const persistent = p.opts.has('p');
  if (persistent) flags |= C.IP_VS_SVC_F_PERSISTENT;
  const timeout = persistent
    ? num(p.opts.get('p')!, 'persistence timeout', 0xffffffff) || fail('persistence timeout must be 1 or more')
    : 0;
  const netmask = p.opts.has('M') ? parseNetmask(p.opts.get('M')!, id.af) : defaultNetmask(id.af);
  if (id.port === 0 && !persistent) fail('zero port specified for non-persistent service');
  const svc: Service = { id, scheduler, flags, timeout, netmask };
  if (p.opts.has('pe'))
    svc.pe = /^[a-z0-9_]{1,15}$/.test(p.opts.get('pe')!)
      ? p.opts.get('pe')!
      : fail(`invalid persistence engine "${p.opts.get('pe')}"`);
  return svc;
}

const TUN_RULES: Record<TunnelType, { port: 'need' | 'no'; csum: string[] }> = {
  ipip: { port: 'no', csum: [] },
  gue: { port: 'need', csum: ['tun-nocsum', 'tun-csum', 'tun-remcsum'] },
  gre: { port: 'no', csum: ['tun-nocsum', 'tun-csum'] },
};

function tunnel(p: Parsed, d: Destination): void {
  const t = (p.opts.get('tun-type') ?? 'ipip') as TunnelType;
  const rule = TUN_RULES[t] ?? fail(`invalid tunnel type "${t}" (ipip, gue or gre)`);
  d.tunType = t;
  if (p.opts.has('tun-port')) {
    if (rule.port === 'no') fail(`illegal '--tun-port' option with the '${t}' tunnel type`);
    d.tunPort = num(p.opts.get('tun-port')!, 'tunnel port', 65535);
  } else if (rule.port === 'need') fail(`you need to supply the '--tun-port' option for the '${t}' tunnel type`);
  const csums = ['tun-nocsum', 'tun-csum', 'tun-remcsum'].filter((c) => p.opts.has(c));
  if (csums.length > 1) fail(`the option '--${csums[1]}' conflicts with '--${csums[0]}'`);
  if (csums.length === 1 && !rule.csum.includes(csums[0]))
    fail(`illegal '--${csums[0]}' option with the '${t}' tunnel type`);
  if (t !== 'ipip')
    d.tunFlags =
      csums[0] === 'tun-csum'
        ? C.IP_VS_TUNNEL_ENCAP_FLAG_CSUM
        : csums[0] === 'tun-remcsum'
          ? C.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM
          : 0;
  if (t !== 'gue') delete d.tunPort;
}

function forwardingOf(p: Parsed): Forwarding {
  const set = ['g', 'i', 'm'].filter((k) => p.opts.has(k));
  if (set.length > 1) fail('more than one forwarding method (-g, -i, -m)');
  return set[0] === 'i' ? 'tun' : set[0] === 'm' ? 'nat' : 'dr';
}

function destOf(p: Parsed, svc: ServiceId): Destination {
  const hp = parseHostPort(p.opts.get('r') ?? fail('no real server given (-r)'), false);
  const forwarding = forwardingOf(p);
  // ipvsadm: for -a/-e, DR and TUN servers of an address service take the service's port.
  const forced = p.cmd !== 'd' && svc.fwmark === undefined && (forwarding === 'dr' || forwarding === 'tun');
  const port = forced ? svc.port : (hp.port ?? svc.port ?? 0);
  if (hp.af !== svc.af && forwarding !== 'tun') fail('different address family is allowed only for tunneling servers');
  const w = p.opts.has('w') ? num(p.opts.get('w')!, 'weight', 0x7fffffff) : 1;
  const d: Destination = {
    af: hp.af,
    address: hp.address,
    port,
    forwarding,
    weight: w,
    upperThreshold: 0,
    lowerThreshold: 0,
  };
  if (p.opts.has('x')) d.upperThreshold = num(p.opts.get('x')!, 'upper threshold', 0xffffffff);
  if (p.opts.has('y')) d.lowerThreshold = num(p.opts.get('y')!, 'lower threshold', 0xffffffff);
  const tunOpts = ['tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'].filter((k) => p.opts.has(k));
  if (forwarding === 'tun') tunnel(p, d);
  else if (tunOpts.length > 0) fail('tunnel options conflict with the forward method (use -i)');
  return d;
}

const ALLOWED: Record<Cmd, string[]> = {
  A: ['t', 'u', 'sctp', 'f', '6', 's', 'p', 'M', 'b', 'o', 'pe', 'n'],
  E: ['t', 'u', 'sctp', 'f', '6', 's', 'p', 'M', 'b', 'o', 'pe', 'n'],
  D: ['t', 'u', 'sctp', 'f', '6', 'n'],
  a: [
    't',
    'u',
    'sctp',
    'f',
    '6',
    'r',
    'g',
    'i',
    'm',
    'w',
    'x',
    'y',
    'tun-type',
    'tun-port',
    'tun-nocsum',
    'tun-csum',
    'tun-remcsum',
    'n',
  ],
  e: [
    't',
    'u',
    'sctp',
    'f',
    '6',
    'r',
    'g',
    'i',
    'm',
    'w',
    'x',
    'y',
    'tun-type',
    'tun-port',
    'tun-nocsum',
    'tun-csum',
    'tun-remcsum',
    'n',
  ],
  d: ['t', 'u', 'sctp', 'f', '6', 'r', 'n'],
  C: ['n'],
  Z: ['t', 'u', 'sctp', 'f', '6', 'n'],
  set: ['n'],
};

function toLine(p: Parsed): { kind: 'op'; op: Op } | { kind: 'set'; timeouts: Timeouts } {
  const bad = [...p.opts.keys()].find((k) => !ALLOWED[p.cmd].includes(k));
  if (bad !== undefined) fail(`option '${bad.length === 1 ? '-' + bad : '--' + bad}' is not valid with this command`);
  if (p.cmd !== 'set' && p.args.length > 0) fail(`unexpected argument "${p.args[0]}"`);
  switch (p.cmd) {
    case 'A':
      return { kind: 'op', op: { op: 'add-service', service: serviceOf(p) } };
    case 'E':
      return { kind: 'op', op: { op: 'edit-service', service: serviceOf(p) } };
    case 'D':
      return { kind: 'op', op: { op: 'del-service', id: serviceIdOf(p) } };
    case 'a':
    case 'e': {
      const service = serviceIdOf(p);
      return { kind: 'op', op: { op: p.cmd === 'a' ? 'add-dest' : 'edit-dest', service, dest: destOf(p, service) } };
    }
    case 'd': {
      const service = serviceIdOf(p);
      const { af, address, port } = destOf(p, service);
      return { kind: 'op', op: { op: 'del-dest', service, dest: { af, address, port } } };
    }
    case 'C':
      return { kind: 'op', op: { op: 'flush' } };
    case 'Z':
      return {
        kind: 'op',
        op: ['t', 'u', 'sctp', 'f'].some((k) => p.opts.has(k))
          ? { op: 'zero', service: serviceIdOf(p) }
          : { op: 'zero' },
      };
    case 'set': {
      if (p.args.length !== 3) fail('--set needs three timeouts: tcp tcpfin udp');
      const [tcp, tcpFin, udp] = p.args.map((a) => num(a, 'timeout', 0x7fffffff));
      return { kind: 'set', timeouts: { tcp, tcpFin, udp } };
    }
  }
}

/** Parses one line (without its line number); throws RulesError(line) on anything ipvsadm would refuse. */
export function parseRule(text: string, line = 1): RuleLine | null {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0 || words[0].startsWith('#')) return null;
  if (words[0] === 'ipvsadm') words.shift();
  try {
    return { line, text, ...toLine(tokenize(words)) };
  } catch (e) {
    if (e instanceof LineError) throw new RulesError(line, e.message);
    throw e;
  }
}

/**
 * Parses a whole rules file. Every line is checked; the result lists every bad line (so a user
 * fixes them all at once). Blank lines and '#' comments are skipped.
 */
export function parseRules(text: string): { lines: RuleLine[]; errors: RulesError[] } {
  const lines: RuleLine[] = [];
  const errors: RulesError[] = [];
  text.split('\n').forEach((t, i) => {
    try {
      const r = parseRule(t.replace(/\r$/, ''), i + 1);
      if (r) lines.push(r);
    } catch (e) {
      if (e instanceof RulesError) errors.push(e);
      else throw e;
    }
  });
  return { lines, errors };
}
