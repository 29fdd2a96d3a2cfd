/**
 * `virtual_server` blocks (by address and port, by fwmark, or by group) → lvsd `[[virtual_server]]`
 * tables, with keepalived's own corrections applied the way its check_data.c does them: UDP when
 * no protocol is given, persistence 360 s for port 0, real-server ports forced to the service port
 * with DR/TUN, quorum capped at the sum of weights, duplicate real servers dropped, a virtual server
 * without real servers left out. Each correction is written as a comment next to the value.
 */
import { isIP } from 'node:net';
import type { Inherited } from './checker.js';
import { compactChecks } from './compact.js';
import { Ctx, walk, type Raw } from './context.js';
import { forwarding, type Forwarding } from './forwarding.js';
import { groupServices, type GroupService } from './group.js';
import { onFailure, placeServers, quorum, sorryText, type Service } from './placement.js';
import { mapRealServer, type RealServerDraft } from './real-server.js';
import type { KaNode } from './tree.js';

const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'];
const PERSISTENT_DEFAULT = 360;

/** Everything a virtual_server block says, before it is expanded into services. */
interface VsDraft {
  node: KaNode;
  sched?: string;
  flags: string[];
  ops?: KaNode;
  fwd?: Forwarding;
  persistence?: number;
  granularity?: string | number;
  engine?: string;
  protocol?: 'tcp' | 'udp' | 'sctp';
  quorum?: number;
  hysteresis?: number;
  sorry?: { address: string; port?: number };
  inhibit?: boolean;
  family?: 'inet' | 'inet6';
  name?: string;
  weight?: number;
  inherited: Inherited;
  realServers: KaNode[];
}

/** Maps one virtual_server block to lvsd tables (several for a group). `groups` are the virtual_server_group blocks by name. */
export function mapVirtualServer(ctx: Ctx, node: KaNode, groups: ReadonlyMap<string, KaNode>): Raw[] {
  const services = servicesOf(ctx, node, groups);
  if (services === undefined) return [];
  const d = draft(ctx, node);
  const rs = d.realServers
    .map((n) => mapRealServer(ctx, n, d.inherited, d.weight, d.fwd))
    .filter((r): r is RealServerDraft => r !== undefined);
  if (rs.length === 0) {
    ctx.warn(node, 'virtual_server', 'has no real servers: keepalived ignores it, so it is not imported');
    return [];
  }
  return services.map((svc, i) => build(ctx, d, svc, rs, services.length > 1 ? i : -1));
}

function servicesOf(ctx: Ctx, node: KaNode, groups: ReadonlyMap<string, KaNode>): Service[] | undefined {
  const [, a, b] = node.words;
  if (a === 'group') {
    const g = b === undefined ? undefined : groups.get(b);
    if (!g) {
      ctx.warn(node, 'virtual_server', `group "${b ?? ''}" is not defined; keepalived skips this virtual server`);
      return undefined;
    }
    const list = groupServices(ctx, g);
    return list.length ? list.map(groupService) : undefined;
  }
  if (a === 'fwmark') {
    const mark = b !== undefined && /^\d+$/.test(b) ? Number(b) : NaN;
    if (!(mark >= 1 && mark <= 0xffffffff)) {
      ctx.warn(node, 'virtual_server', `fwmark "${b ?? ''}" is not 1-4294967295; keepalived skips this virtual server`);
      return undefined;
    }
    return [{ fwmark: mark, node }];
  }
  const port = b === undefined ? 0 : /^\d+$/.test(b) && Number(b) <= 65535 ? Number(b) : NaN;
  if (a === undefined || !isIP(a) || Number.isNaN(port)) {
    ctx.warn(
      node,
      'virtual_server',
      `"${node.words.slice(1).join(' ')}" is not an address and port; keepalived skips it`,
    );
    return undefined;
  }
  return [{ address: a, port, node }];
}

function groupService(s: GroupService): Service {
  return s.kind === 'addr'
    ? { address: s.address, port: s.port, node: s.node }
    : { fwmark: s.fwmark, family: s.family, node: s.node };
}

function draft(ctx: Ctx, node: KaNode): VsDraft {
  const d: VsDraft = { node, flags: [], inherited: { vsDelayLoop: 60_000 }, realServers: [] };
  const inh = d.inherited;
  const flag = (n: KaNode) => schedulerFlag(ctx, d, n);
  walk(ctx, 'virtual_server', node.block, {
    lb_algo: (n) => scheduler(ctx, d, n),
    lvs_sched: (n) => scheduler(ctx, d, n),
    'sh-port': flag,
    'sh-fallback': flag,
    'mh-port': flag,
    'mh-fallback': flag,
    'flag-1': flag,
    'flag-2': flag,
    ops: (n) => void (d.ops = n),
    lb_kind: (n) => void (d.fwd = forwarding(ctx, n, d.fwd) ?? d.fwd),
    lvs_method: (n) => void (d.fwd = forwarding(ctx, n, d.fwd) ?? d.fwd),
    protocol: (n) => {
      const p = ctx.arg(n)?.toLowerCase();
      if (p === 'tcp' || p === 'udp' || p === 'sctp') d.protocol = p;
      else if (p !== undefined) ctx.warn(n, 'protocol', `unknown protocol "${n.words[1]}"; keepalived ignores it`);
    },
    persistence_timeout: (n) => {
      d.persistence = n.words.length < 2 ? PERSISTENT_DEFAULT : (ctx.int(n, 1, 2678400) ?? d.persistence);
    },
    persistence_granularity: (n) => granularity(ctx, d, n),
    persistence_engine: (n) => {
      const e = ctx.arg(n);
      if (e === 'sip') d.engine = e;
      else if (e !== undefined) ctx.warn(n, 'persistence_engine', `the kernel has only the "sip" engine, not "${e}"`);
    },
    quorum: (n) => void (d.quorum = ctx.int(n, 1, 0xffffffff) ?? d.quorum),
    hysteresis: (n) => void (d.hysteresis = ctx.int(n, 0, 0xffffffff) ?? d.hysteresis),
    sorry_server: (n) => sorry(ctx, d, n),
    inhibit_on_failure: (n) => void (d.inhibit = ctx.bool(n) ?? d.inhibit),
    alpha: (n) => void (inh.alpha = ctx.bool(n) ?? inh.alpha),
    delay_loop: (n) => {
      inh.delayLoop = ctx.seconds(n, 1) ?? inh.delayLoop;
      inh.vsDelayLoop = inh.delayLoop ?? 60_000;
    },
    retry: (n) => void (inh.retry = ctx.int(n, 1, 0xffffffff) ?? inh.retry),
    delay_before_retry: (n) => void (inh.delayBeforeRetry = ctx.seconds(n) ?? inh.delayBeforeRetry),
    connect_timeout: (n) => {
      inh.connectTimeout = ctx.seconds(n, 1) ?? inh.connectTimeout;
      inh.connectTimeoutNode = n;
    },
    warmup: (n) => void (inh.warmup = ctx.seconds(n) ?? inh.warmup),
    virtualhost: (n) => void (inh.virtualhost = ctx.arg(n) ?? inh.virtualhost),
    weight: (n) => void (d.weight = ctx.int(n, 0, 0x7fffffff) ?? d.weight),
    ip_family: (n) => {
      const f = ctx.arg(n);
      if (f === 'inet' || f === 'inet6') d.family = f;
      else if (f !== undefined) ctx.warn(n, 'ip_family', `unknown address family "${f}"; keepalived ignores it`);
    },
    snmp_name: (n) => void (d.name = ctx.arg(n) ?? d.name),
    real_server: (n) => void d.realServers.push(n),
  });
  return d;
}

function scheduler(ctx: Ctx, d: VsDraft, n: KaNode): void {
  const s = ctx.arg(n);
  if (s !== undefined && SCHEDULERS.includes(s)) d.sched = s;
  else if (s !== undefined) ctx.warn(n, n.words[0]!, `invalid scheduler "${s}"; keepalived ignores it (wlc)`);
}

/** keepalived sets the sh-* and mh-* flags only when the scheduler named so far is sh/mh (flag-1/2 are their bits). */
function schedulerFlag(ctx: Ctx, d: VsDraft, n: KaNode): void {
  const word = n.words[0]!;
  const s = d.sched;
  const named =
    word === 'flag-1' ? `${s}-fallback` : word === 'flag-2' ? `${s}-port` : word.startsWith(`${s}-`) ? word : undefined;
  if ((s === 'sh' || s === 'mh') && named) {
    if (!d.flags.includes(named)) d.flags.push(named);
  } else
    ctx.warn(
      n,
      word,
      s === 'sh' || s === 'mh'
        ? `does not apply to the ${s} scheduler; keepalived ignores it`
        : 'keepalived applies it only after "lvs_sched sh" or "mh" and ignores it here',
      'write it after lvs_sched, with the matching scheduler',
    );
}

function granularity(ctx: Ctx, d: VsDraft, n: KaNode): void {
  const v = ctx.arg(n);
  if (v === undefined) return;
  if (v.includes('.')) {
    const ok =
      isIP(v) === 4 &&
      /^1*0*$/.test(
        v
          .split('.')
          .map((o) => Number(o).toString(2).padStart(8, '0'))
          .join(''),
      );
    if (!ok) return ctx.warn(n, 'persistence_granularity', `"${v}" is not a contiguous IPv4 netmask (lvsd needs one)`);
    d.granularity = v;
  } else {
    const bits = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!(bits >= 1 && bits <= 128))
      return ctx.warn(n, 'persistence_granularity', `"${v}" is not a prefix length 1-128`);
    d.granularity = bits;
  }
  d.persistence ??= PERSISTENT_DEFAULT;
}

function sorry(ctx: Ctx, d: VsDraft, n: KaNode): void {
  const a = ctx.arg(n);
  if (a === undefined) return;
  const p = n.words[2];
  const port = p === undefined ? undefined : /^\d+$/.test(p) && Number(p) <= 65535 ? Number(p) : NaN;
  if (!isIP(a) || Number.isNaN(port))
    return ctx.warn(n, 'sorry_server', `"${n.words.slice(1).join(' ')}" is not an address and port`);
  d.sorry = { address: a, port };
}

/** One lvsd virtual server for one service of the draft. */
function build(ctx: Ctx, d: VsDraft, svc: Service, rs: RealServerDraft[], index: number): Raw {
  const vs: Raw = ctx.from({}, d.node);
  const note = (key: string, text: string) => ctx.note(vs, key, text);
  vs.name = nameOf(d, svc, index);
  const fwmark = 'fwmark' in svc;
  if (fwmark) {
    vs.fwmark = svc.fwmark;
    const fam = svc.family ?? d.family ?? familyOfServers(rs);
    if (fam === 'inet6') vs.family = fam;
    if (d.protocol) note('protocol', 'keepalived ignores protocol for a fwmark service');
  } else {
    vs.address = svc.address;
    vs.port = svc.port;
    vs.protocol = d.protocol ?? 'udp';
    if (!d.protocol) note('protocol', 'keepalived defaults to UDP when no protocol is given');
  }
  if (d.sched) vs.scheduler = d.sched;
  if (d.flags.length) vs.scheduler_flags = d.flags;
  const fwd = d.fwd ?? { method: 'nat' };
  vs.forwarding = fwd.method;
  if (fwd.tunType) vs.tun_type = fwd.tunType;
  if (fwd.tunPort) vs.tun_port = fwd.tunPort;
  if (fwd.tunFlags && fwd.tunType && fwd.tunType !== 'ipip') vs.tun_flags = fwd.tunFlags;
  let persistence = d.persistence;
  if (!fwmark && svc.port === 0 && persistence === undefined) {
    persistence = PERSISTENT_DEFAULT;
    note('persistence', 'keepalived makes a port-0 service persistent for 360s');
  }
  if (persistence !== undefined) vs.persistence = `${persistence}s`;
  if (d.granularity !== undefined) vs.persistence_netmask = d.granularity;
  if (d.engine) vs.persistence_engine = d.engine;
  if (d.ops) {
    if (fwmark || vs.protocol === 'udp') vs.one_packet = true;
    else ctx.warn(d.ops, 'ops', 'one-packet scheduling needs UDP; keepalived resets it');
  }
  quorum(d, vs, rs, note);
  if (d.sorry) vs.sorry_server = sorryText(d.sorry, svc, fwd);
  const servers = placeServers(ctx, svc, rs, fwd);
  vs.on_failure = onFailure(ctx, d.inhibit, servers);
  const { base, overrides } = compactChecks(servers.map((s) => s.check));
  if (base) vs.check = base;
  vs.real_server = servers.map((s, i) => {
    if (overrides[i]) s.table.check = overrides[i];
    return ctx.from(s.table, s.node);
  });
  return vs;
}

function nameOf(d: VsDraft, svc: Service, index: number): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  const own = 'fwmark' in svc ? `fwmark${svc.fwmark}` : `${clean(svc.address.replace(/:/g, '-'))}_${svc.port}`;
  if (d.name) return clean(index < 0 ? d.name : `${d.name}_${own}`).slice(0, 64);
  const proto = 'fwmark' in svc ? '' : `_${d.protocol ?? 'udp'}`;
  const group = d.node.words[1] === 'group' ? `${clean(d.node.words[2] ?? 'group')}_` : '';
  return `${group}${own}${proto}`.slice(0, 64);
}

function familyOfServers(rs: RealServerDraft[]): 'inet' | 'inet6' {
  return rs.length > 0 && rs.every((r) => isIP(r.address) === 6) ? 'inet6' : 'inet';
}
