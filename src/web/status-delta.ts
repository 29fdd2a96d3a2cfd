/**
 * Deltas between two status reports, for the status page's live feed: the page gets one full
 * snapshot, then only what changed. A report is plain JSON; lists named in KEYED_LISTS (virtual
 * servers by `name`, real servers by `rs`) are diffed item by item, every other value is replaced
 * whole when it changed. Pure. `applyStatusDelta` and its helpers also run in the browser (the page
 * embeds their source), so they use nothing outside themselves but `KEYED` passed in.
 *
 * Reference: `applyStatusDelta(clone(prev), statusDelta(prev, next))` deep-equals `next` as JSON
 * (property-tested in test/unit/web/status-delta.test.ts).
 */

/** A JSON value (a status report after JSON encoding). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Changes to an object: keys replaced whole, keys removed, keys changed in depth. */
export interface ObjectDelta {
  set?: Record<string, Json>;
  del?: string[];
  sub?: Record<string, Delta>;
}

/** Changes to a keyed list: the new key order (when membership or order changed), new items, changed items. */
export interface ListDelta {
  list: string;
  order?: string[];
  put?: Json[];
  sub?: Record<string, ObjectDelta>;
}

/** One delta. */
export type Delta = ObjectDelta | ListDelta;

/** Lists diffed item by item, by property name → the item field that names an item. */
export const KEYED_LISTS: Readonly<Record<string, string>> = { virtualServers: 'name', realServers: 'rs' };

type Obj = { [k: string]: Json };

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON text of a report (undefined fields dropped, bigints as decimal strings), as the page receives it. */
export function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/** Plain JSON form of a report: `JSON.parse(jsonText(v))`. */
export function toJson(v: unknown): Json {
  return JSON.parse(jsonText(v)) as Json;
}

/** The delta turning `prev` into `next`; undefined when nothing changed. Both must be JSON objects. */
export function statusDelta(prev: Obj, next: Obj): ObjectDelta | undefined {
  const d: ObjectDelta = {};
  for (const k of Object.keys(next)) {
    const a = prev[k];
    const b = next[k];
    if (b === undefined) continue;
    const sub = a === undefined ? undefined : valueDelta(k, a, b);
    if (a === undefined || sub === 'replace') (d.set ??= {})[k] = b;
    else if (sub) (d.sub ??= {})[k] = sub;
  }
  for (const k of Object.keys(prev)) if (prev[k] !== undefined && next[k] === undefined) (d.del ??= []).push(k);
  return d.set || d.del || d.sub ? d : undefined;
}

function valueDelta(key: string, a: Json, b: Json): Delta | 'replace' | undefined {
  if (isObj(a) && isObj(b)) return statusDelta(a, b);
  const field = KEYED_LISTS[key];
  if (field && Array.isArray(a) && Array.isArray(b)) {
    const ka = keysOf(a, field);
    const kb = keysOf(b, field);
    if (ka && kb) return listDelta(key, field, a as Obj[], b as Obj[], ka, kb);
  }
  return same(a, b) ? undefined : 'replace';
}

/** Keys of a list whose items are objects with a unique string `field`; undefined otherwise. */
function keysOf(list: Json[], field: string): string[] | undefined {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    const k = isObj(item) ? item[field] : undefined;
    if (typeof k !== 'string' || seen.has(k)) return undefined;
    seen.add(k);
    keys.push(k);
  }
  return keys;
}

function listDelta(list: string, field: string, a: Obj[], b: Obj[], ka: string[], kb: string[]): ListDelta | undefined {
  const before = new Map(a.map((item, i) => [ka[i], item]));
  const d: ListDelta = { list };
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) d.order = kb;
  b.forEach((item, i) => {
    const old = before.get(kb[i]);
    if (!old) return void (d.put ??= []).push(item);
    const sub = statusDelta(old, item);
    if (sub) (d.sub ??= {})[String(item[field])] = sub;
  });
  return d.order || d.put || d.sub ? d : undefined;
}

function same(a: Json, b: Json): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Applies a delta to `target` IN PLACE and returns it. `keyed` is KEYED_LISTS (passed in because the
 * browser runs this function's own source). Items put into a keyed list replace any with that key.
 */
export function applyStatusDelta(
  target: Record<string, unknown>,
  delta: ObjectDelta,
  keyed: Readonly<Record<string, string>> = KEYED_LISTS,
): Record<string, unknown> {
  for (const k of delta.del ?? []) delete target[k];
  for (const [k, v] of Object.entries(delta.set ?? {})) target[k] = v;
  for (const [k, sub] of Object.entries(delta.sub ?? {})) {
    if ('list' in sub) {
      target[k] = applyListDelta((target[k] ?? []) as Array<Record<string, unknown>>, sub, keyed);
    } else {
      target[k] = applyStatusDelta((target[k] ?? {}) as Record<string, unknown>, sub, keyed);
    }
  }
  return target;
}

/** Applies a keyed-list delta; returns the list in the delta's order (the input list is reused when the order is unchanged). */
export function applyListDelta(
  items: Array<Record<string, unknown>>,
  d: ListDelta,
  keyed: Readonly<Record<string, string>> = KEYED_LISTS,
): Array<Record<string, unknown>> {
  const field = keyed[d.list];
  const byKey = new Map(items.map((it) => [String(it[field]), it]));
  for (const it of (d.put ?? []) as Array<Record<string, unknown>>) byKey.set(String(it[field]), it);
  for (const [k, sub] of Object.entries(d.sub ?? {})) {
    const it = byKey.get(k);
    if (it) applyStatusDelta(it, sub, keyed);
  }
  if (d.order) return d.order.map((k) => byKey.get(k)).filter((x) => x !== undefined);
  return d.put ? items.map((it) => byKey.get(String(it[field])) ?? it) : items;
}
