/**
 * The keepalived tree → an lvsd config object (the tables the TOML file will hold). Blocks that
 * other blocks refer to by name (virtual_server_group, vrrp_script, vrrp_sync_group, global_defs)
 * are read first, as keepalived resolves names only after the whole file is read; then every
 * virtual_server and vrrp_instance is mapped in file order, then the sync daemon that follows one
 * of the instances. Everything else is reported.
 */
import { Ctx, walk, type Raw } from './context.js';
import { mapVrrpScript, type ScriptDef } from './scripts.js';
import type { KaNode } from './tree.js';
import { mapSync } from './sync.js';
import { mapVirtualServer } from './virtual-server.js';
import { mapVrrpInstance, type GroupTracking, type VrrpDefaults } from './vrrp.js';

/** The lvsd config as plain tables, in the shape of the TOML file. */
export interface LvsdConfig {
  global: Raw;
  virtual_server: Raw[];
  vrrp_instance: Raw[];
  sync?: Raw;
}

/** Maps the whole tree; findings and comments go to `ctx`. */
export function mapConfig(ctx: Ctx, tree: readonly KaNode[]): LvsdConfig {
  const global: Raw = {};
  const vrrp: VrrpDefaults = {};
  const groups = new Map<string, KaNode>();
  const scripts = new Map<string, ScriptDef>();
  const syncGroups: KaNode[] = [];
  for (const n of tree) {
    const [kw, name] = n.words;
    if (kw === 'global_defs') mapGlobal(ctx, n, global, vrrp);
    else if (kw === 'virtual_server_group' && name !== undefined) groups.set(name, n);
    else if (kw === 'vrrp_script' && name !== undefined) scripts.set(name, mapVrrpScript(ctx, n));
    else if (kw === 'vrrp_sync_group') syncGroups.push(n);
  }
  const membership = syncMembership(ctx, syncGroups);
  const out: LvsdConfig = { global, virtual_server: [], vrrp_instance: [] };
  const instances = new Map<KaNode, Raw>();
  for (const n of tree) {
    const kw = n.words[0]!;
    if (kw === 'virtual_server') out.virtual_server.push(...mapVirtualServer(ctx, n, groups));
    else if (kw === 'vrrp_instance') {
      const v = mapVrrpInstance(ctx, n, scripts, vrrp, membership.get(n.words[1] ?? ''));
      if (v) (out.vrrp_instance.push(v), instances.set(n, v));
    } else if (kw === 'virtual_server_group' || kw === 'vrrp_script') {
      if (n.words[1] === undefined) ctx.warn(n, kw, 'has no name; keepalived ignores it');
    } else if (/^include[rmwba]?$/.test(kw)) ctx.warn(n, kw, 'names no file; keepalived ignores it');
    else if (kw !== 'global_defs' && kw !== 'vrrp_sync_group') ctx.other(n, 'root');
  }
  out.virtual_server = uniqueServices(ctx, out.virtual_server);
  uniqueNames(ctx, out.virtual_server);
  uniqueNames(ctx, out.vrrp_instance);
  out.sync = mapSync(ctx, tree, instances);
  if (out.virtual_server.length > 0 && global.on_shutdown === undefined)
    ctx.note(
      global,
      'on_shutdown',
      'keepalived removes its IPVS services when it stops; lvsd keeps them (on_shutdown = "keep"), so a restart drops no connection',
    );
  return out;
}

function mapGlobal(ctx: Ctx, node: KaNode, g: Raw, vrrp: VrrpDefaults): void {
  ctx.from(g, node);
  const sec = (n: KaNode) => ctx.int(n, 0, 86400);
  walk(ctx, 'global_defs', node.block, {
    router_id: (n) => {
      const id = ctx.arg(n);
      if (id !== undefined && id.length <= 64) g.router_id = id;
      else if (id !== undefined) ctx.warn(n, 'router_id', 'lvsd takes at most 64 characters', 'shorten it');
    },
    vrrp_version: (n) => {
      const v = ctx.int(n, 2, 3);
      if (v !== undefined) vrrp.version = v as 2 | 3;
    },
    vrrp_garp_master_delay: (n) => void (vrrp.garpDelay = secMs(sec(n)) ?? vrrp.garpDelay),
    vrrp_garp_master_repeat: (n) => void (vrrp.garpRepeat = ctx.int(n, 1, 255) ?? vrrp.garpRepeat),
    vrrp_garp_master_refresh: (n) => void (vrrp.garpRefresh = secMs(sec(n)) ?? vrrp.garpRefresh),
    vrrp_garp_interval: (n) => void (vrrp.garpInterval4 = ctx.seconds(n) ?? vrrp.garpInterval4),
    vrrp_gna_interval: (n) => void (vrrp.garpInterval6 = ctx.seconds(n) ?? vrrp.garpInterval6),
    vrrp_min_garp: (n) => {
      if (ctx.bool(n)) ((vrrp.garpRepeat = 1), (vrrp.garpDelay = 0));
    },
    lvs_flush_on_stop: () => void (g.on_shutdown = 'remove'),
    lvs_flush_onstop: () => void (g.on_shutdown = 'remove'),
    dynamic_interfaces: () => undefined,
    include_check: () => undefined,
    lvs_sync_daemon: () => undefined, // read by mapSync, which needs the instances
  });
}

/** Two virtual servers for one IPVS service: keepalived cannot add the second; it is left out. */
function uniqueServices(ctx: Ctx, list: Raw[]): Raw[] {
  const seen = new Map<string, Raw>();
  return list.filter((vs) => {
    const key =
      vs.fwmark !== undefined
        ? `fwmark|${String(vs.fwmark)}|${String(vs.family ?? 'inet')}`
        : `${String(vs.address)}|${String(vs.port)}|${String(vs.protocol)}`;
    const first = seen.get(key);
    if (!first) return (seen.set(key, vs), true);
    const o = ctx.origins.get(first);
    ctx.warn(
      ctx.origins.get(vs) ?? { file: '(import)', line: 0 },
      'virtual_server',
      `is the same IPVS service as the one at ${o ? `${o.file}:${o.line}` : 'an earlier line'}; keepalived cannot add it twice, so it is left out`,
      'merge the two blocks',
    );
    return false;
  });
}

/** lvsd names must be unique: a repeated name gets _2, _3, ... */
function uniqueNames(ctx: Ctx, list: Raw[]): void {
  const used = new Set<string>();
  for (const t of list) {
    const base = String(t.name);
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base.slice(0, 60)}_${i}`;
    if (name !== base) ctx.note(t, 'name', `"${base}" is taken by an earlier block`);
    t.name = name;
    used.add(name);
  }
}

function secMs(s: number | undefined): number | undefined {
  return s === undefined ? undefined : s * 1000;
}

/** Which sync group each instance is in, and the tracking the group adds. */
function syncMembership(ctx: Ctx, groups: KaNode[]): Map<string, GroupTracking> {
  const out = new Map<string, GroupTracking>();
  for (const g of groups) {
    const t: GroupTracking = { interfaces: [], scripts: [], keepWeights: false, group: g };
    const members: string[] = [];
    walk(ctx, 'vrrp_sync_group', g.block, {
      group: (n) => void members.push(...(n.block ?? []).flatMap((e) => e.words)),
      track_interface: (n) => void t.interfaces.push(...(n.block ?? [])),
      track_script: (n) => void t.scripts.push(...(n.block ?? [])),
      global_tracking: () => undefined,
      sync_group_tracking_weight: () => void (t.keepWeights = true),
    });
    if (members.length > 1)
      ctx.warn(
        g,
        'vrrp_sync_group',
        `lvsd moves ${members.join(', ')} independently, not as one group`,
        'give the members the same priorities and tracking so they elect the same master',
      );
    for (const m of members) out.set(m, t);
  }
  return out;
}
