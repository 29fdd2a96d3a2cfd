/**
 * Addresses and links over rtnetlink (NETLINK_ROUTE): what VIP handling and interface lookups need.
 * Errors are NetlinkError with the kernel's errno ('EEXIST' on a duplicate add, 'EADDRNOTAVAIL' on
 * deleting a missing address, 'ENODEV' for an unknown interface) and an op naming the address.
 */
import { NetlinkConnection } from '../netlink/conn.js';
import { NetlinkError } from '../netlink/errors.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../netlink/message.js';
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

export type { AddrInfo, AddrSpec, LinkInfo } from './codec.js';

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

  /** Closes the socket; pending calls reject with 'ECANCELED'. */
  close(): void {
    this.conn.close();
  }
}
