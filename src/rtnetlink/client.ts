/**
 * Addresses, links and routes over rtnetlink (NETLINK_ROUTE): what VIP handling, interface lookups
 * and route announcement need. Errors are NetlinkError with the kernel's errno ('EEXIST' on a
 * duplicate add, 'EADDRNOTAVAIL' on deleting a missing address, 'ESRCH' on deleting a missing route,
 * 'ENODEV' for an unknown interface) and an op naming the address or route.
 */
import { NetlinkConnection } from '../netlink/conn.js';
import { NetlinkError } from '../netlink/errors.js';
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../netlink/message.js';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  NETLINK_ROUTE,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  addrOp,
  addrPayload,
  decodeAddr,
  decodeLink,
  getAddrPayload,
  getLinkPayload,
  type AddrInfo,
  type AddrSpec,
  type LinkInfo,
} from './codec.js';
import { ERRNO } from '../../native/errno.js';
import {
  RTM_DELROUTE,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  decodeRoute,
  getRoutePayload,
  routeOp,
  routePayload,
  type RouteInfo,
  type RouteSpec,
} from './route.js';

export type { AddrInfo, AddrSpec, LinkInfo } from './codec.js';
export type { RouteInfo, RouteSpec } from './route.js';

/** An rtnetlink client over one NetlinkConnection. */
export class Rtnetlink {
  private readonly conn: NetlinkConnection;

  /** Wraps a NETLINK_ROUTE connection (a scripted one in unit tests). */
  constructor(conn: NetlinkConnection) {
    this.conn = conn;
  }

  /** Opens a NETLINK_ROUTE socket in the calling thread's network namespace. Throws SysError. */
  static open(opts: { timeoutMs?: number } = {}): Rtnetlink {
    return new Rtnetlink(NetlinkConnection.open(NETLINK_ROUTE, opts));
  }

  /** Adds an address (fails with 'EEXIST' if it is already there). */
  async addAddress(a: AddrSpec): Promise<void> {
    const payload = addrPayload('RTM_NEWADDR', a);
    await this.conn.request({
      type: RTM_NEWADDR,
      flags: NLM_F_CREATE | NLM_F_EXCL,
      payload,
      op: addrOp('RTM_NEWADDR', a),
    });
  }

  /** Deletes an address (fails with 'EADDRNOTAVAIL' if it is not there). */
  async delAddress(a: AddrSpec): Promise<void> {
    const payload = addrPayload('RTM_DELADDR', a);
    await this.conn.request({ type: RTM_DELADDR, payload, op: addrOp('RTM_DELADDR', a) });
  }

  /** Every address, optionally only one interface's and/or one family's. */
  async listAddresses(filter: { ifindex?: number; family?: 'inet' | 'inet6' } = {}): Promise<AddrInfo[]> {
    const family = filter.family === 'inet' ? AF_INET : filter.family === 'inet6' ? AF_INET6 : AF_UNSPEC;
    const msgs = await this.conn.request({
      type: RTM_GETADDR,
      payload: getAddrPayload(family),
      op: 'RTM_GETADDR',
      dump: true,
    });
    return msgs
      .filter((m) => m.type === RTM_NEWADDR)
      .map(decodeAddr)
      .filter(
        (a) =>
          (filter.ifindex === undefined || a.ifindex === filter.ifindex) &&
          (!filter.family || a.family === filter.family),
      );
  }

  /** Every link with its state flags and MAC. */
  async listLinks(): Promise<LinkInfo[]> {
    const msgs = await this.conn.request({
      type: RTM_GETLINK,
      payload: getLinkPayload(),
      op: 'RTM_GETLINK',
      dump: true,
    });
    return msgs.filter((m) => m.type === RTM_NEWLINK).map(decodeLink);
  }

  /** One link by name. Rejects NetlinkError 'ENODEV' naming the interface if it does not exist. */
  async link(name: string): Promise<LinkInfo> {
    const op = `RTM_GETLINK ${name}`;
    const msgs = await this.conn.request({ type: RTM_GETLINK, payload: getLinkPayload(name), op });
    const m = msgs.find((x) => x.type === RTM_NEWLINK);
    if (!m) throw new NetlinkError(ERRNO.ENODEV, op, 'no link in the reply');
    return decodeLink(m);
  }

  /** The index of interface `name`. Rejects NetlinkError 'ENODEV' if it does not exist. */
  async linkIndex(name: string): Promise<number> {
    return (await this.link(name)).index;
  }

  /**
   * Adds a route: fails with 'EEXIST' if one with the same destination is already in the table (of
   * any protocol), unless `replace`, which overwrites it; lvsd never replaces.
   */
  async addRoute(r: RouteSpec, opts: { replace?: boolean } = {}): Promise<void> {
    const payload = routePayload('RTM_NEWROUTE', r);
    const flags = NLM_F_CREATE | (opts.replace ? NLM_F_REPLACE : NLM_F_EXCL);
    await this.conn.request({ type: RTM_NEWROUTE, flags, payload, op: routeOp('RTM_NEWROUTE', r) });
  }

  /**
   * Deletes a route of `r.protocol` in `r.table` (fails with 'ESRCH' if there is none): the kernel
   * matches the protocol, so a route of another protocol with the same destination is never touched.
   */
  async delRoute(r: RouteSpec): Promise<void> {
    const payload = routePayload('RTM_DELROUTE', r);
    await this.conn.request({ type: RTM_DELROUTE, payload, op: routeOp('RTM_DELROUTE', r) });
  }

  /** Every route (both families unless one is given), optionally only one table's and/or one protocol's. */
  async listRoutes(
    filter: { table?: number; protocol?: number; family?: 'inet' | 'inet6' } = {},
  ): Promise<RouteInfo[]> {
    const family = filter.family === 'inet' ? AF_INET : filter.family === 'inet6' ? AF_INET6 : AF_UNSPEC;
    const msgs = await this.conn.request({
      type: RTM_GETROUTE,
      payload: getRoutePayload(family),
      op: 'RTM_GETROUTE',
      dump: true,
    });
    return msgs
      .filter((m) => m.type === RTM_NEWROUTE)
      .map(decodeRoute)
      .filter(
        (r) =>
          (filter.table === undefined || r.table === filter.table) &&
          (filter.protocol === undefined || r.protocol === filter.protocol) &&
          (!filter.family || r.family === filter.family),
      );
  }

  /** Closes the socket; pending calls reject with 'ECANCELED'. */
  close(): void {
    this.conn.close();
  }
}
