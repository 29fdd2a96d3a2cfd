/**
 * The table diff, pure: (actual, desired, owned) → the ops that make the owned part of `actual`
 * equal to `desired`, in a safe order:
 *   1. del-dest (owned services that stay), 2. del-service (owned, not desired),
 *   3. add-service / edit-service, 4. add-dest / edit-dest.
 * A service whose key is neither in `owned` nor desired is never touched, nor are its dests (a
 * desired service is owned by definition). Changed scheduler, flags, persistence or engine →
 * edit-service in place; changed weight, thresholds, forwarding or tunnel settings → edit-dest
 * (IPVS can change a dest's forwarding method in place). Equal tables → zero ops. Comparison
 * ignores the HASHED flag, counters and stats, persistence timeout/netmask of non-persistent
 * services, and the "local" forwarding the kernel forces on dests that are addresses of this host.
 *
 * For a service in `ordered` (ecmp: the mh scheduler's table depends on the list's order) the
 * desired destinations are the order a fresh start adds them in, and the kernel's list must end as
 * a fresh start leaves it (dest-order.ts): the dests it holds out of that order are deleted and
 * added again (the kernel reuses a deleted dest from its trash, with its connections), the fewest
 * needed, together with the new ones, in the desired order.
 */
import { realignFrom } from './dest-order.js';
import {
  destKey,
  serviceKey,
  type Destination,
  type IpvsTable,
  type Op,
  type Service,
  type TableService,
} from '../ipvs/types.js';

const HASHED = 0x2;
const PERSISTENT = 0x1;

/**
 * Ops turning the owned part of `actual` into `desired`, keeping the dest order of `ordered`
 * services. `settled(key, want)` may name desired services the caller knows `actual` already holds
 * exactly as `want` (the reconciler: the same desired object it wrote without a failure since its
 * last read); they are not compared. With a truthful `settled` the ops are the same as without it
 * (test/unit/plan/properties.test.ts). `wantKeys`: the serviceKey of each desired service, in order, when
 * the caller has them.
 */
export function diffTables(
  actual: IpvsTable,
  desired: IpvsTable,
  owned: Pick<ReadonlySet<string>, 'has'>,
  settled?: (key: string, want: TableService) => boolean,
  ordered: ReadonlySet<string> = new Set(),
  wantKeys?: readonly string[],
): Op[] {
  const have = new Map(actual.services.map((s) => [serviceKey(s.id), s]));
  const want = new Map(desired.services.map((s, i) => [wantKeys?.[i] ?? serviceKey(s.id), s]));
  const delDests: Op[] = [],
    delSvcs: Op[] = [],
    svcOps: Op[] = [],
    destOps: Op[] = [];
  for (const [k, a] of have) {
    if (!want.has(k) && owned.has(k)) delSvcs.push({ op: 'del-service', id: a.id });
  }
  for (const [k, w] of want) {
    if (settled?.(k, w)) continue;
    const a = have.get(k);
    if (!a) {
      svcOps.push({ op: 'add-service', service: serviceOnly(w) });
      for (const d of w.destinations) destOps.push({ op: 'add-dest', service: w.id, dest: destOnly(d) });
      continue;
    }
    if (!sameService(a, w)) svcOps.push({ op: 'edit-service', service: serviceOnly(w) });
    diffDests(a, w, delDests, destOps, ordered.has(k));
  }
  return [...delDests, ...delSvcs, ...svcOps, ...destOps];
}

function diffDests(a: TableService, w: TableService, dels: Op[], puts: Op[], ordered: boolean): void {
  const have = new Map(a.destinations.map((d) => [destKey(d), d]));
  const want = new Set<string>();
  const from = ordered
    ? realignFrom(
        a.destinations.map((d) => destKey(d)),
        w.destinations.map((d) => destKey(d)),
      )
    : Infinity;
  w.destinations.forEach((d, i) => {
    const k = destKey(d);
    want.add(k);
    const h = have.get(k);
    if (h && i >= from)
      dels.push({ op: 'del-dest', service: w.id, dest: { af: h.af, address: h.address, port: h.port } });
    if (!h || i >= from) puts.push({ op: 'add-dest', service: w.id, dest: destOnly(d) });
    else if (!sameDest(h, d)) puts.push({ op: 'edit-dest', service: w.id, dest: destOnly(d) });
  });
  for (const [k, d] of have)
    if (!want.has(k))
      dels.push({ op: 'del-dest', service: w.id, dest: { af: d.af, address: d.address, port: d.port } });
}

/** True when two services have the same kernel settings (ignoring HASHED and unused persistence fields). */
export function sameService(a: Service, b: Service): boolean {
  const fa = a.flags & ~HASHED,
    fb = b.flags & ~HASHED;
  if (a.scheduler !== b.scheduler || fa !== fb || (a.pe || '') !== (b.pe || '')) return false;
  if ((fa & PERSISTENT) === 0) return true;
  return a.timeout === b.timeout && a.netmask === b.netmask;
}

/**
 * True when two dests have the same writable settings (ignoring conns and stats). The kernel turns
 * any forwarding method into "local" when the dest address is an address of this host
 * (__ip_vs_update_dest), so an actual "local" matches whatever was asked for.
 */
export function sameDest(a: Destination, b: Destination): boolean {
  if (a.weight !== b.weight) return false;
  if (a.forwarding !== b.forwarding && a.forwarding !== 'local' && b.forwarding !== 'local') return false;
  if (a.upperThreshold !== b.upperThreshold || a.lowerThreshold !== b.lowerThreshold) return false;
  if (a.forwarding !== 'tun') return true;
  return (
    (a.tunType ?? 'ipip') === (b.tunType ?? 'ipip') &&
    (a.tunPort ?? 0) === (b.tunPort ?? 0) &&
    (a.tunFlags ?? 0) === (b.tunFlags ?? 0)
  );
}

function serviceOnly(s: TableService): Service {
  const { destinations: _d, stats: _s, ...rest } = s;
  return { ...rest, flags: rest.flags & ~HASHED };
}

function destOnly(d: Destination): Destination {
  if (d.conns === undefined && d.stats === undefined) return d; // a planned dest: nothing to strip, no copy
  const { conns: _c, stats: _s, ...rest } = d;
  return rest;
}
