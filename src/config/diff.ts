/**
 * Reload = a diff of two validated configs (the gobgp way): which virtual servers, real servers and
 * VRRP instances were added, removed or changed, and which fields changed. Services are matched by
 * IPVS identity (serviceKey), real servers by destKey within a service, VRRP instances by name.
 */
import type { Config, RealServerConfig, VirtualServerConfig } from './types.js';

/** A changed item and the names of its changed fields. */
export interface Changed {
  /** Virtual server or VRRP instance name. */
  name: string;
  /** serviceKey, or "serviceKey|destKey" for a real server, or the instance name. */
  key: string;
  fields: string[];
}

/** What changed between two configs. */
export interface ConfigDiff {
  services: { added: string[]; removed: string[]; changed: Changed[] };
  /** Real servers; those of added/removed services count as added/removed. */
  dests: { added: string[]; removed: string[]; changed: Changed[] };
  vrrp: { added: string[]; removed: string[]; changed: Changed[] };
  /** Changed [global] keys, and [announce] keys as "announce.KEY" ("announce" when it came or went). */
  global: string[];
  /** Changed [sync] keys ("added" / "removed" for the whole table). */
  sync: string[];
}

/** Stable JSON (sorted keys) of objects, memoized per object (real servers share their VS's check object). */
const memo = new WeakMap<object, string>();
function stable(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'undefined';
  const hit = memo.get(v);
  if (hit !== undefined) return hit;
  const out = JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
  memo.set(v, out);
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && stable(a) === stable(b));
}

function changedFields<T extends object>(a: T, b: T, skip: readonly string[]): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .filter((k) => !skip.includes(k) && !same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    .sort();
}

function announceChanges(prev: Config, next: Config): string[] {
  const a = prev.announce,
    b = next.announce;
  if (!a || !b) return a === b ? [] : ['announce'];
  return changedFields(a, b, []).map((k) => `announce.${k}`);
}

/** Diffs two normalized configs. Pure. */
export function diffConfigs(prev: Config, next: Config): ConfigDiff {
  const d: ConfigDiff = {
    services: { added: [], removed: [], changed: [] },
    dests: { added: [], removed: [], changed: [] },
    vrrp: { added: [], removed: [], changed: [] },
    global: [...changedFields(prev.global, next.global, []), ...announceChanges(prev, next)],
    sync:
      prev.sync && next.sync
        ? changedFields(prev.sync, next.sync, [])
        : prev.sync
          ? ['removed']
          : next.sync
            ? ['added']
            : [],
  };
  // The loader keeps an unchanged section's object, at its place when no section moved before it: a
  // virtual server that is the same object at the same place in both is unchanged, and (keys being
  // unique in a config) is matched by nothing else, so only the others are keyed. A reload of one
  // weight among keepalived #2318's 2,284 virtual servers then keys 2, not 4,568.
  const before = new Map<string, VirtualServerConfig>();
  const after = new Map<string, VirtualServerConfig>();
  const pv = prev.virtual_server,
    nv = next.virtual_server;
  for (let i = 0; i < Math.max(pv.length, nv.length); i++) {
    const p = pv[i],
      v = nv[i];
    if (p !== undefined && p === v) continue;
    if (p) before.set(p.key, p);
    if (v) after.set(v.key, v);
  }
  for (const [k, v] of before)
    if (!after.has(k))
      (d.services.removed.push(v.name), d.dests.removed.push(...v.real_server.map((r) => `${k}|${r.key}`)));
  for (const [k, v] of after) {
    const p = before.get(k);
    if (!p) (d.services.added.push(v.name), d.dests.added.push(...v.real_server.map((r) => `${k}|${r.key}`)));
    else diffService(p, v, d);
  }
  diffVrrp(prev, next, d);
  return d;
}

function diffService(p: VirtualServerConfig, v: VirtualServerConfig, d: ConfigDiff): void {
  if (p === v) return; // a section the loader did not validate again (config-loader.ts)
  const fields = changedFields(p, v, ['real_server']);
  if (fields.length) d.services.changed.push({ name: v.name, key: v.key, fields });
  const before = new Map(p.real_server.map((r) => [r.key, r]));
  const after = new Map(v.real_server.map((r) => [r.key, r]));
  for (const k of before.keys()) if (!after.has(k)) d.dests.removed.push(`${v.key}|${k}`);
  for (const [k, r] of after) {
    const q: RealServerConfig | undefined = before.get(k);
    if (!q) d.dests.added.push(`${v.key}|${k}`);
    else {
      const f = changedFields(q, r, []);
      if (f.length) d.dests.changed.push({ name: v.name, key: `${v.key}|${k}`, fields: f });
    }
  }
}

function diffVrrp(prev: Config, next: Config, d: ConfigDiff): void {
  const before = new Map(prev.vrrp_instance.map((v) => [v.name, v]));
  const after = new Map(next.vrrp_instance.map((v) => [v.name, v]));
  for (const k of before.keys()) if (!after.has(k)) d.vrrp.removed.push(k);
  for (const [k, v] of after) {
    const p = before.get(k);
    if (!p) d.vrrp.added.push(k);
    else {
      const f = changedFields(p, v, []);
      if (f.length) d.vrrp.changed.push({ name: k, key: k, fields: f });
    }
  }
}

/** True when nothing changed at all. */
export function isEmptyDiff(d: ConfigDiff): boolean {
  return (
    [d.services, d.dests, d.vrrp].every((x) => x.added.length + x.removed.length + x.changed.length === 0) &&
    d.global.length === 0 &&
    d.sync.length === 0
  );
}

/**
 * One line for the reload log: "+1 services -1 services ~1 services, +3 dests -2 dests ~1 dests" (+ vrrp/global/sync
 * when changed).
 */
export function summary(d: ConfigDiff): string {
  const s = d.services,
    r = d.dests,
    v = d.vrrp;
  let line = `+${s.added.length} services -${s.removed.length} services ~${s.changed.length} services, +${r.added.length} dests -${r.removed.length} dests ~${r.changed.length} dests`;
  if (v.added.length + v.removed.length + v.changed.length)
    line += `, +${v.added.length} vrrp -${v.removed.length} vrrp ~${v.changed.length} vrrp`;
  if (d.global.length) line += `, global: ${d.global.join(' ')}`;
  if (d.sync.length) line += `, sync: ${d.sync.join(' ')}`;
  return line;
}
