/**
 * `vrrp_instance` blocks → lvsd `[[vrrp_instance]]` tables, with keepalived's defaults where they
 * differ from lvsd's (VRRP version 2 unless IPv6 or vrrp_version, priority 255 for state MASTER
 * without a priority) and its own corrections (nopreempt and preempt_delay cleared by state MASTER
 * or priority 255, the password cut to 8 characters, no authentication in VRRPv3).
 */
import { isIP } from 'node:net';
import { Ctx, dur, walk, type Raw } from './context.js';
import { scriptArgv, type ScriptDef } from './scripts.js';
import type { KaNode } from './tree.js';

/** Instance settings global_defs gives to instances that do not set them. */
export interface VrrpDefaults {
  version?: 2 | 3;
  garpDelay?: number;
  garpRepeat?: number;
  garpRefresh?: number;
  garpInterval4?: number;
  garpInterval6?: number;
}

/** Tracking a sync group adds to its members. */
export interface GroupTracking {
  interfaces: KaNode[];
  scripts: KaNode[];
  /** The group keeps member tracking weights (sync_group_tracking_weight); otherwise they become 0. */
  keepWeights: boolean;
  group: KaNode;
}

interface Draft {
  state?: 'MASTER' | 'BACKUP';
  priority?: number;
  nopreempt?: KaNode;
  preemptDelay?: number;
  preemptDelayNode?: KaNode;
  version?: 2 | 3;
  advert?: number;
  auth?: { type?: string; pass?: string; node: KaNode };
  vips: Raw[] | string[];
  trackIf: KaNode[];
  trackScript: KaNode[];
}

const NAME = /[^A-Za-z0-9_.-]/g;

/** Maps one vrrp_instance block; undefined (after a finding) when lvsd cannot run it. */
export function mapVrrpInstance(
  ctx: Ctx,
  node: KaNode,
  scripts: ReadonlyMap<string, ScriptDef>,
  defaults: VrrpDefaults,
  group: GroupTracking | undefined,
): Raw | undefined {
  const v: Raw = ctx.from({}, node);
  const name = (node.words[1] ?? 'VI').replace(NAME, '_').slice(0, 64);
  if (name !== node.words[1]) ctx.note(v, 'name', `keepalived name "${node.words[1] ?? ''}" made a valid lvsd name`);
  v.name = name;
  const d: Draft = { vips: [], trackIf: [], trackScript: [] };
  const notify: Record<string, string[]> = {};
  let generic: { argv: string[]; node: KaNode } | undefined;
  const hook = (state: string) => (n: KaNode) => {
    const argv = scriptArgv(ctx, n);
    if (argv) notify[state] = argv;
  };
  walk(ctx, 'vrrp_instance', node.block, {
    interface: (n) => void (v.interface = ctx.arg(n) ?? v.interface),
    state: (n) => {
      const s = ctx.arg(n);
      if (s === 'MASTER' || s === 'BACKUP') d.state = s;
      else if (s !== undefined) ctx.warn(n, 'state', `"${s}" is not MASTER or BACKUP; keepalived ignores it`);
    },
    virtual_router_id: (n) => void (v.virtual_router_id = ctx.int(n, 1, 255) ?? v.virtual_router_id),
    priority: (n) => void (d.priority = ctx.int(n, 1, 255) ?? d.priority),
    version: (n) => {
      const x = ctx.int(n, 2, 3);
      if (x !== undefined) d.version = x as 2 | 3;
    },
    advert_int: (n) => void (d.advert = ctx.seconds(n, 1) ?? d.advert),
    nopreempt: (n) => void (d.nopreempt = n),
    preempt: () => void (d.nopreempt = undefined),
    preempt_delay: (n) => {
      d.preemptDelay = ctx.seconds(n, 0) ?? d.preemptDelay;
      d.preemptDelayNode = n;
    },
    unicast_src_ip: (n) => srcIp(ctx, v, n),
    mcast_src_ip: (n) => srcIp(ctx, v, n),
    unicast_peer: (n) => peers(ctx, v, n),
    authentication: (n) => auth(ctx, d, n),
    virtual_ipaddress: (n) => void (d.vips = vips(ctx, n)),
    track_interface: (n) => void d.trackIf.push(...(n.block ?? [])),
    track_script: (n) => void d.trackScript.push(...(n.block ?? [])),
    notify_master: hook('master'),
    notify_backup: hook('backup'),
    notify_fault: hook('fault'),
    notify_stop: hook('stop'),
    notify: (n) => {
      const argv = scriptArgv(ctx, n);
      if (argv) generic = { argv, node: n };
    },
    garp_master_delay: (n) => void (v.garp_master_delay = secondsText(ctx.int(n, 0, 86400)) ?? v.garp_master_delay),
    garp_master_repeat: (n) => void (v.garp_master_repeat = ctx.int(n, 1, 255) ?? v.garp_master_repeat),
    garp_master_refresh: (n) => {
      const s = ctx.int(n, 0, 86400);
      if (s !== undefined) v.garp_master_refresh = s === 0 ? undefined : `${s}s`;
    },
    accept: () => undefined,
    native_ipv6: () => undefined,
    lvs_sync_daemon_interface: () => undefined, // read by mapSync (src/keepalived/sync.ts)
  });
  if (v.interface === undefined || v.virtual_router_id === undefined) {
    ctx.warn(
      node,
      'vrrp_instance',
      `has no ${v.interface === undefined ? 'interface' : 'virtual_router_id'}; lvsd needs one`,
      'add it',
    );
    return undefined;
  }
  if (d.vips.length === 0) {
    ctx.warn(node, 'vrrp_instance', 'has no virtual_ipaddress; lvsd needs at least one', 'add the VIPs');
    return undefined;
  }
  election(ctx, v, d, defaults);
  tracking(ctx, v, d, scripts, group);
  finishNotify(ctx, v, notify, generic, name);
  garp(v, defaults, isV6(d.vips));
  v.virtual_ipaddress = d.vips;
  return v;
}

/** Priority, version, advert interval, preemption and authentication, with keepalived's rules. */
function election(ctx: Ctx, v: Raw, d: Draft, defaults: VrrpDefaults): void {
  const ipv6 = isV6(d.vips);
  const priority = d.priority ?? (d.state === 'MASTER' ? 255 : 100);
  if (d.priority === undefined && d.state === 'MASTER')
    ctx.note(v, 'priority', 'keepalived: state MASTER without a priority is 255');
  v.priority = priority;
  const version = ipv6 ? 3 : (d.version ?? defaults.version ?? 2);
  if (ipv6 && d.version === 2) ctx.note(v, 'version', 'keepalived runs IPv6 instances with VRRPv3');
  v.version = version;
  let advert = d.advert ?? 1000;
  const rounded =
    version === 2
      ? Math.min(255_000, Math.max(1000, Math.round(advert / 1000) * 1000))
      : Math.min(40_950, Math.max(10, Math.round(advert / 10) * 10));
  if (rounded !== advert)
    ctx.note(
      v,
      'advert_interval',
      `VRRPv${version} carries ${version === 2 ? 'whole seconds' : 'centiseconds'}: ${dur(advert)} sent as ${dur(rounded)}`,
    );
  advert = rounded;
  v.advert_interval = dur(advert);
  const master = d.state === 'MASTER' || priority === 255;
  if (d.nopreempt) {
    if (master) ctx.note(v, 'preempt', 'keepalived ignores nopreempt with state MASTER or priority 255');
    else v.preempt = false;
  }
  if (d.preemptDelay) {
    if (master || d.nopreempt)
      ctx.note(v, 'preempt_delay', 'keepalived ignores preempt_delay with nopreempt, state MASTER or priority 255');
    else if (d.preemptDelay > 1_000_000)
      ctx.warn(d.preemptDelayNode!, 'preempt_delay', 'is more than 1000 s; keepalived ignores it');
    else v.preempt_delay = dur(d.preemptDelay);
  }
  if (d.state)
    ctx.note(v, 'priority', `state ${d.state}: lvsd lets the priority decide, as keepalived does after start`);
  if (d.auth) {
    const { type, pass, node } = d.auth;
    if (version === 3) ctx.warn(node, 'authentication', 'VRRPv3 has no authentication; keepalived ignores it too');
    else if (type === 'AH')
      ctx.warn(
        node,
        'auth_type',
        'lvsd has no IPsec AH authentication',
        'use PASS, or none (RFC 5798 dropped authentication)',
      );
    else if (type === 'PASS' && pass) {
      if (pass.length > 8) ctx.note(v, 'authentication', 'keepalived sends the first 8 characters of auth_pass');
      v.authentication = { type: 'pass', password: Buffer.from(pass).subarray(0, 8).toString() };
    } else ctx.warn(node, 'authentication', 'needs auth_type PASS and auth_pass; keepalived ignores it');
  }
}

function srcIp(ctx: Ctx, v: Raw, n: KaNode): void {
  const a = ctx.arg(n);
  if (a !== undefined && isIP(a)) v.unicast_src_ip = a;
  else if (a !== undefined) ctx.warn(n, n.words[0]!, `"${a}" is not an IP address; keepalived ignores it`);
}

function peers(ctx: Ctx, v: Raw, n: KaNode): void {
  const list: string[] = [];
  for (const p of n.block ?? []) {
    const a = p.words[0]!;
    if (!isIP(a)) {
      ctx.warn(p, 'unicast_peer', `"${a}" is not an IP address; keepalived ignores it`);
      continue;
    }
    if (p.words.length > 1)
      ctx.warn(
        p,
        'unicast_peer',
        `lvsd does not check the TTL of adverts (${p.words.slice(1).join(' ')})`,
        'filter with nftables',
      );
    if (!list.includes(a)) list.push(a);
  }
  v.unicast_peers = list;
}

function auth(ctx: Ctx, d: Draft, n: KaNode): void {
  const a: NonNullable<Draft['auth']> = { node: n };
  walk(ctx, 'authentication', n.block, {
    auth_type: (x) => {
      const t = ctx.arg(x);
      if (t === 'PASS' || t === 'AH') a.type = t;
      else if (t !== undefined) ctx.warn(x, 'auth_type', `"${t}" is not PASS or AH; keepalived ignores it`);
    },
    auth_pass: (x) => void (a.pass = ctx.arg(x) ?? a.pass),
  });
  d.auth = a;
}

const VIP_OPTIONS_WITH_VALUE = new Set(['brd', 'scope', 'peer', 'preferred_lft', 'track_group']);

/** virtual_ipaddress entries: `ADDR[/MASK] [dev X] [label X] [other options...]`. */
function vips(ctx: Ctx, n: KaNode): Raw[] | string[] {
  const out: Array<Raw | string> = [];
  for (const e of n.block ?? []) {
    const [addr, bits] = e.words[0]!.split('/');
    const fam = isIP(addr ?? '');
    const prefix = bits === undefined ? (fam === 6 ? 128 : 32) : /^\d+$/.test(bits) ? Number(bits) : NaN;
    if (fam === 0 || !(prefix >= 0 && prefix <= (fam === 6 ? 128 : 32))) {
      ctx.warn(
        e,
        'virtual_ipaddress',
        `"${e.words[0]}" is not an address with an optional /prefix; keepalived skips it`,
      );
      continue;
    }
    const t: Raw = { address: addr, prefix };
    for (let i = 1; i < e.words.length; i++) {
      const w = e.words[i]!;
      if ((w === 'dev' || w === 'label') && e.words[i + 1] !== undefined) t[w] = e.words[++i];
      else {
        const value = VIP_OPTIONS_WITH_VALUE.has(w) ? ` ${e.words[++i] ?? ''}` : '';
        ctx.warn(
          e,
          `virtual_ipaddress ${w}`,
          `lvsd adds VIPs with address, prefix, dev and label only (not "${w}${value}")`,
          'set it on the interface by other means if it matters',
        );
      }
    }
    out.push(t.dev === undefined && t.label === undefined ? `${addr}/${prefix}` : t);
  }
  return out as Raw[] | string[];
}

/**
 * track_interface and track_script entries (the instance's and its sync group's). keepalived, for a
 * member of a sync group without sync_group_tracking_weight: the instance's own tracked interfaces
 * lose their weight (a fault instead) and its own weighted scripts are dropped; the group's entries
 * keep their weights.
 */
function tracking(
  ctx: Ctx,
  v: Raw,
  d: Draft,
  scripts: ReadonlyMap<string, ScriptDef>,
  group: GroupTracking | undefined,
): void {
  const sync = group !== undefined && !group.keepWeights;
  const ifaces: Array<string | Raw> = [];
  const own = new Set(d.trackIf);
  for (const e of [...d.trackIf, ...(group?.interfaces ?? [])]) {
    let w = weightOf(ctx, e);
    if (w === undefined) continue;
    if (sync && own.has(e) && w !== 0) {
      ctx.note(v, 'track_interface', `keepalived drops the weight of ${e.words[0]} in a sync group (a fault instead)`);
      w = 0;
    }
    ifaces.push(w === 0 ? e.words[0]! : { name: e.words[0]!, weight: w });
  }
  if (ifaces.length) v.track_interface = ifaces;
  const tracked: Raw[] = [];
  const ownScripts = new Set(d.trackScript);
  for (const e of [...d.trackScript, ...(group?.scripts ?? [])]) {
    const s = scripts.get(e.words[0]!);
    if (!s) {
      ctx.warn(e, 'track_script', `no vrrp_script "${e.words[0]}" is defined; keepalived ignores it`);
      continue;
    }
    if (!s.table) continue;
    const w = e.words.length > 1 ? weightOf(ctx, e) : s.reverse ? reversed(ctx, e) : s.weight;
    if (w === undefined) continue;
    if (sync && ownScripts.has(e) && w !== 0) {
      ctx.note(v, 'track_script', `keepalived ignores the weighted script ${e.words[0]} of a sync group member`);
      continue;
    }
    tracked.push(w === 0 ? { ...s.table } : { ...s.table, weight: w });
  }
  if (tracked.length) v.track_script = tracked;
}

/** `NAME [weight N [reverse|noreverse|no_reverse]]` → N (0 when absent); undefined after a finding. */
function weightOf(ctx: Ctx, e: KaNode): number | undefined {
  if (e.words.length === 1) return 0;
  if (e.words[1] !== 'weight') {
    ctx.warn(e, e.words[0]!, `unknown option "${e.words[1]}"; keepalived ignores the entry`);
    return undefined;
  }
  const w = ctx.int(e, -253, 253, 2);
  if (w !== undefined && e.words[3] === 'reverse') return reversed(ctx, e);
  return w;
}

function reversed(ctx: Ctx, e: KaNode): undefined {
  ctx.warn(
    e,
    `${e.words[0]} reverse`,
    'lvsd has no reversed tracking weights',
    'invert the script (exit 0 ↔ 1) and keep the weight',
  );
  return undefined;
}

function finishNotify(
  ctx: Ctx,
  v: Raw,
  hooks: Record<string, string[]>,
  generic: { argv: string[]; node: KaNode } | undefined,
  name: string,
): void {
  const out: Raw = {};
  for (const s of ['master', 'backup', 'fault', 'stop']) {
    if (hooks[s]) out[s] = hooks[s];
    else if (generic) out[s] = [...generic.argv, 'INSTANCE', name, s.toUpperCase(), String(v.priority)];
  }
  if (generic && Object.keys(hooks).length > 0)
    ctx.warn(
      generic.node,
      'notify',
      `lvsd runs one hook per state; notify_${Object.keys(hooks).join('/notify_')} already take${Object.keys(hooks).length === 1 ? 's' : ''} ${Object.keys(hooks).length === 1 ? 'that state' : 'those states'}`,
      'call the generic script from those scripts',
    );
  if (generic && (v.track_interface || v.track_script))
    ctx.note(
      v,
      'notify',
      'keepalived passes the effective priority to "notify"; lvsd passes the configured one (the effective one is in LVSD_VRRP_PRIORITY)',
    );
  if (Object.keys(out).length) v.notify = out;
}

function garp(v: Raw, g: VrrpDefaults, ipv6: boolean): void {
  if (v.garp_master_delay === undefined && g.garpDelay !== undefined) v.garp_master_delay = dur(g.garpDelay);
  if (v.garp_master_repeat === undefined && g.garpRepeat !== undefined) v.garp_master_repeat = g.garpRepeat;
  if (!('garp_master_refresh' in v) && g.garpRefresh) v.garp_master_refresh = dur(g.garpRefresh);
  if (v.garp_master_refresh === undefined) delete v.garp_master_refresh;
  const gi = ipv6 ? g.garpInterval6 : g.garpInterval4;
  if (gi) v.garp_interval = dur(gi);
}

function isV6(vips: Raw[] | string[]): boolean {
  return vips.some((x) => isIP(typeof x === 'string' ? x.split('/')[0]! : String(x.address)) === 6);
}

function secondsText(s: number | undefined): string | undefined {
  return s === undefined ? undefined : `${s}s`;
}
