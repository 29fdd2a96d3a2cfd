/**
 * The announcement table: one host route (/32, /128) per announced VIP in a kernel routing table,
 * tagged with lvsd's own route protocol number, for a BGP speaker (BIRD, FRR) to export.
 *
 * `routeOps` is the pure diff (desired addresses × the routes of our table and protocol → adds and
 * deletes); `KernelRoutes` applies it over rtnetlink, one pass at a time. Routes of any other
 * protocol or table are never read as ours and never deleted: the kernel matches the protocol on
 * delete as well.
 */
import { isIPv4 } from 'node:net';
import { NetlinkError } from '../netlink/errors.js';
import type { RouteInfo, RouteSpec, Rtnetlink } from '../rtnetlink/client.js';

/** Where announcements live: a kernel table and lvsd's route protocol number. */
export interface AnnounceTable {
  table: number;
  protocol: number;
}

/** The host route of `address` in `t`: unicast via `oif` (the loopback) when given. */
export function vipRoute(address: string, t: AnnounceTable, oif?: number): RouteSpec {
  const r: RouteSpec = { dst: address, dstLen: isIPv4(address) ? 32 : 128, table: t.table, protocol: t.protocol };
  if (oif !== undefined) r.oif = oif;
  return r;
}

/** What to change so our routes in `t` are exactly the host routes of `desired`. */
export interface RouteOps {
  add: RouteSpec[];
  del: RouteSpec[];
}

/**
 * The adds and deletes that turn `actual` into the host routes of `desired` (addresses in canonical
 * text). Routes in `actual` of another table or protocol are ignored; one of ours that is not a host
 * route, or not desired, is deleted.
 */
export function routeOps(
  desired: readonly string[],
  actual: readonly RouteInfo[],
  t: AnnounceTable,
  oif?: number,
): RouteOps {
  const ours = actual.filter((r) => r.table === t.table && r.protocol === t.protocol);
  const have = new Set(ours.filter((r) => r.dstLen === (r.family === 'inet' ? 32 : 128)).map((r) => r.dst));
  const want = new Set(desired);
  const add = [...want].filter((a) => !have.has(a)).map((a) => vipRoute(a, t, oif));
  const del = ours
    .filter((r) => !want.has(r.dst) || r.dstLen !== (r.family === 'inet' ? 32 : 128))
    .map((r) => ({ dst: r.dst, dstLen: r.dstLen, table: t.table, protocol: t.protocol }));
  return { add, del };
}

/** The rtnetlink calls KernelRoutes needs (the real client, or a stateful fake in unit tests). */
export type RouteClient = Pick<Rtnetlink, 'addRoute' | 'delRoute' | 'listRoutes' | 'linkIndex'>;

/** What one sync did. `failed` routes are retried by the next sync. */
export interface SyncReport {
  added: string[];
  removed: string[];
  failed: Array<{ route: string; error: string }>;
}

/**
 * Applies announcements to the kernel. Calls to `sync` run one after another; each reads our routes,
 * diffs them against the addresses given and applies the difference. A route someone else put at the
 * same destination in the table (EEXIST on add) is reported as failed, never replaced.
 */
export class KernelRoutes {
  private chain: Promise<unknown> = Promise.resolve();
  private oif?: number;

  /** Announces into `t` through `rt`. */
  constructor(
    private readonly rt: RouteClient,
    readonly t: AnnounceTable,
  ) {}

  /** Makes our routes in the table exactly the host routes of `desired`. Rejects only when the table cannot be read. */
  sync(desired: readonly string[]): Promise<SyncReport> {
    const run = this.chain.then(() => this.pass(desired));
    this.chain = run.catch(() => {});
    return run;
  }

  /** Our routes in the table, as the kernel reports them. */
  async current(): Promise<RouteInfo[]> {
    return this.rt.listRoutes({ table: this.t.table, protocol: this.t.protocol });
  }

  private async pass(desired: readonly string[]): Promise<SyncReport> {
    this.oif ??= await this.rt.linkIndex('lo');
    const ops = routeOps(desired, await this.current(), this.t, this.oif);
    const report: SyncReport = { added: [], removed: [], failed: [] };
    for (const r of ops.del) await this.apply(r, () => this.rt.delRoute(r), report.removed, report, 'ESRCH');
    for (const r of ops.add) await this.apply(r, () => this.rt.addRoute(r), report.added, report);
    return report;
  }

  private async apply(
    r: RouteSpec,
    op: () => Promise<void>,
    done: string[],
    report: SyncReport,
    harmless?: string,
  ): Promise<void> {
    try {
      await op();
      done.push(r.dst);
    } catch (e) {
      if (e instanceof NetlinkError && e.code === harmless) return void done.push(r.dst);
      const why =
        e instanceof NetlinkError && e.code === 'EEXIST'
          ? `${e.message} (a route of another owner is there)`
          : (e as Error).message;
      report.failed.push({ route: `${r.dst}/${r.dstLen}`, error: why });
    }
  }
}
