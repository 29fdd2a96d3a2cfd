/**
 * keepalived's connection-sync daemon → lvsd's `[sync]` table. keepalived 2.2.7 takes the first
 * valid setting in file order: `global_defs { lvs_sync_daemon IF [[inst] INSTANCE] [id N] [maxlen N]
 * [port N] [ttl N] [group ADDR] }` (the old positional form `IF INSTANCE [ID]` too) or the
 * deprecated `vrrp_instance { lvs_sync_daemon_interface IF }`. It follows the named instance (master
 * daemon while MASTER, backup daemon otherwise) with the instance's VRID as sync id unless `id`
 * is given (the deprecated form: id 0); an option it refuses is logged and left to the kernel's
 * default; an instance that does not exist clears the whole setting. lvsd's sync id defaults to
 * the first followed instance's VRID, so `sync_id` is written only when it differs.
 */
import { isSyncGroup, syncMaxlenRange } from '../config/sync-schema.js';
import type { Ctx, Raw } from './context.js';
import type { KaNode } from './tree.js';

/** keepalived's IP_VS_IFNAME_MAXLEN: a longer interface name makes it ignore lvs_sync_daemon. */
const IFNAME_MAX = 15;
/** lvsd's interface names (src/config/sync-schema.ts). */
const LVSD_IFNAME = /^[^\s/:]{1,15}$/;
/** keepalived's largest maxlen (65535 - IPv4 header - UDP header), whatever the group. */
const KA_MAXLEN = 65535 - 20 - 8;

/** A sync daemon setting as keepalived reads it. */
interface Setting {
  node: KaNode;
  iface: string;
  /** The vrrp_instance block (deprecated form) or name (global form) it follows. */
  instance?: KaNode | string;
  syncId?: number;
  maxlen?: number;
  port?: number;
  ttl?: number;
  group?: string;
}

/**
 * The `[sync]` table for the first sync daemon setting of `tree` (undefined, after a finding when
 * one is due, if there is none or lvsd cannot follow it). `instances` maps each imported
 * vrrp_instance block to its table (with its final lvsd name).
 */
export function mapSync(ctx: Ctx, tree: readonly KaNode[], instances: ReadonlyMap<KaNode, Raw>): Raw | undefined {
  let chosen: Setting | undefined;
  for (const { node, parent } of settings(tree)) {
    const s = parent.words[0] === 'global_defs' ? readGlobal(ctx, node) : readDeprecated(ctx, node, parent);
    if (!s) continue;
    if (!chosen) chosen = s;
    else
      ctx.warn(
        node,
        node.words[0]!,
        `the sync daemon is already set at ${chosen.node.file}:${chosen.node.line}; keepalived ignores this one`,
        'remove it',
      );
  }
  return chosen && toTable(ctx, chosen, instances, tree);
}

/** The sync daemon keywords in file order, each with the block it sits in. */
function settings(tree: readonly KaNode[]): Array<{ node: KaNode; parent: KaNode }> {
  const out: Array<{ node: KaNode; parent: KaNode }> = [];
  for (const top of tree) {
    const want =
      top.words[0] === 'global_defs'
        ? 'lvs_sync_daemon'
        : top.words[0] === 'vrrp_instance'
          ? 'lvs_sync_daemon_interface'
          : undefined;
    for (const n of top.block ?? []) if (want && n.words[0] === want) out.push({ node: n, parent: top });
  }
  return out;
}

/** vrrp_instance's lvs_sync_daemon_interface: that instance, sync id 0. */
function readDeprecated(ctx: Ctx, node: KaNode, instance: KaNode): Setting | undefined {
  const iface = ctx.arg(node);
  return iface === undefined ? undefined : { node, iface, instance, syncId: 0 };
}

/** keepalived's lvs_syncd_handler: options in any order, a refused value is logged and skipped. */
function readGlobal(ctx: Ctx, node: KaNode): Setting | undefined {
  const w = node.words;
  const iface = w[1];
  if (iface === undefined) return void ctx.warn(node, w[0]!, 'names no interface; keepalived ignores it');
  if (iface.length > IFNAME_MAX)
    return void ctx.warn(node, w[0]!, `interface name "${iface}" is too long (at most 15); keepalived ignores it`);
  const s: Setting = { node, iface };
  const option = (i: number) => `${w[0]} ${w[i]}`;
  /** The value after option `i` in [min, max], or undefined after a finding saying what keepalived does instead. */
  const num = (i: number, min: number, max: number, instead: string): number | undefined => {
    const v = w[i + 1];
    if (v === undefined) return void ctx.warn(node, option(i), `has no value; keepalived ${instead}`);
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    ctx.warn(node, option(i), `"${v}" is not an integer in ${min}-${max}; keepalived ${instead}`);
    return undefined;
  };
  const kernelDefault = (what: string) =>
    `ignores it and the kernel uses ${what}; lvsd refuses the value at --check, so it is left out: the same default applies`;
  for (let i = 2; i < w.length; i++) {
    const word = w[i]!;
    const more = i + 1 < w.length;
    if (word === 'inst') {
      if (!more) ctx.warn(node, option(i), 'has no value; keepalived ignores it');
      else if (s.instance !== undefined)
        ctx.warn(
          node,
          option(i),
          `the instance is already given as "${String(s.instance)}"; keepalived ignores this one`,
        );
      else s.instance = w[i + 1];
    } else if (word === 'id')
      s.syncId = num(i, 0, 255, "uses the instance's VRID, as lvsd does when sync_id is left out") ?? s.syncId;
    else if (word === 'maxlen') s.maxlen = num(i, 1, KA_MAXLEN, kernelDefault('a size from the MTU')) ?? s.maxlen;
    else if (word === 'port') s.port = num(i, 1, 65535, kernelDefault('8848')) ?? s.port;
    else if (word === 'ttl') s.ttl = num(i, 1, 255, kernelDefault('1')) ?? s.ttl;
    else if (word === 'group') s.group = readGroup(ctx, node, option(i), w[i + 1]) ?? s.group;
    else if (i === 2) {
      s.instance = word;
      continue;
    } else if (i === 3) {
      // the old positional sync id: keepalived asks for `id` but takes it
      if (/^\d+$/.test(word) && Number(word) <= 255) s.syncId = Number(word);
      else
        ctx.warn(
          node,
          w[0]!,
          `"${word}" is not a sync id in 0-255; keepalived uses the instance's VRID, as lvsd does when sync_id is left out`,
        );
      continue;
    } else {
      ctx.warn(
        node,
        option(i),
        'unknown option; keepalived skips it',
        'write `inst`, `id`, `maxlen`, `port`, `ttl` or `group`',
      );
      continue;
    }
    i++; // the option's value
  }
  return s;
}

function readGroup(ctx: Ctx, node: KaNode, option: string, v: string | undefined): string | undefined {
  if (v === undefined) return void ctx.warn(node, option, 'has no value; keepalived ignores it');
  if (isSyncGroup(v)) return v;
  ctx.warn(
    node,
    option,
    `"${v}" is not a multicast address (224.0.0.0/4 or ff00::/8); keepalived ignores it and the kernel uses 224.0.0.81; lvsd refuses it at --check, so it is left out: the same default applies`,
  );
  return undefined;
}

function toTable(ctx: Ctx, s: Setting, instances: ReadonlyMap<KaNode, Raw>, tree: readonly KaNode[]): Raw | undefined {
  const kw = s.node.words[0]!;
  if (s.instance === undefined) {
    ctx.warn(
      s.node,
      kw,
      "without a vrrp_instance keepalived runs the master and the backup sync daemon at once (sync id 0); lvsd's [sync] follows VRRP instances or runs one standalone daemon (`sync.role`), so no [sync] is written",
      'name the vrrp_instance the daemons follow (`lvs_sync_daemon IF INSTANCE`), or write [sync] with `role` = "master" on the director that forwards and "backup" on the others',
    );
    return undefined;
  }
  const block =
    typeof s.instance === 'string'
      ? tree.find((n) => n.words[0] === 'vrrp_instance' && n.words[1] === s.instance)
      : s.instance;
  const vi = block && instances.get(block);
  if (!vi) {
    const name = typeof s.instance === 'string' ? s.instance : (s.instance.words[1] ?? '');
    ctx.warn(
      s.node,
      kw,
      block
        ? `follows the vrrp_instance "${name}", which is not imported (see its finding), so no [sync] is written`
        : `names no existing vrrp_instance ("${name}"); keepalived then clears the whole sync daemon setting and runs none, so no [sync] is written`,
      'name an imported vrrp_instance',
    );
    return undefined;
  }
  if (!LVSD_IFNAME.test(s.iface)) {
    ctx.warn(
      s.node,
      kw,
      `lvsd refuses the interface name "${s.iface}" (1-15 bytes, no spaces, "/" or ":"), so no [sync] is written`,
      'write [sync] by hand with the interface the sync messages use',
    );
    return undefined;
  }
  const t: Raw = ctx.from({ interface: s.iface, vrrp_instances: [vi.name] }, s.node);
  if (s.syncId !== undefined && s.syncId !== vi.virtual_router_id) t.sync_id = s.syncId;
  if (s.syncId === 0 && kw === 'lvs_sync_daemon_interface')
    ctx.note(
      t,
      'sync_id',
      "keepalived's lvs_sync_daemon_interface uses sync id 0 (a backup takes any id), not the VRID",
    );
  if (s.maxlen !== undefined) t.maxlen = lvsdMaxlen(ctx, s);
  t.group = s.group;
  t.port = s.port;
  t.ttl = s.ttl;
  ctx.note(
    t,
    'startup_delay',
    'startup_delay (10s): keepalived preempts at once; lvsd runs the backup daemon first and preempts after startup_delay, so a returning master gets the connection table (keepalived #1966)',
  );
  return t;
}

/** keepalived takes 1-65507 whatever the group; lvsd refuses what a backup would raise or an IPv6 group cannot carry. */
function lvsdMaxlen(ctx: Ctx, s: Setting): number | undefined {
  const v = s.maxlen!;
  const { min, max } = syncMaxlenRange(s.group);
  if (v >= min && v <= max) return v;
  const why =
    v < min
      ? `${v} is below ${min}: keepalived passes it on, but a backup daemon raises it to ${min} and lvsd runs both roles, so lvsd refuses it`
      : `${v} is above ${max}, the most an IPv6 group carries; keepalived passes it on, lvsd refuses it`;
  ctx.warn(
    s.node,
    `${s.node.words[0]} maxlen`,
    `${why}; left out (the kernel sizes messages from the MTU)`,
    `leave it out, or set \`sync.maxlen\` to ${min}-${max}`,
  );
  return undefined;
}
