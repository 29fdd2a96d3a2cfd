/**
 * Dumb sockets for VRRP: a raw protocol-112 socket per instance (IPv4 with IP_HDRINCL so the
 * header is keepalived's, byte for byte; IPv6 with IPV6_CHECKSUM at offset 6 and hop limit 255),
 * and an AF_PACKET socket per interface for gratuitous ARP / unsolicited NA frames.
 * Encoding and validation live in packet.ts / ip.ts; nothing here blocks (non-blocking fds watched
 * by native/poller.ts).
 */
import {
  AF_INET,
  AF_INET6,
  AF_PACKET,
  ETH_P_ARP,
  ETH_P_IPV6,
  IP_ADD_MEMBERSHIP,
  IP_HDRINCL,
  IP_MULTICAST_ALL,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IPPROTO_VRRP,
  IPV6_ADD_MEMBERSHIP,
  IPV6_CHECKSUM,
  IPV6_HOPLIMIT,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_PKTINFO,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  IPV6_UNICAST_HOPS,
  SO_BINDTODEVICE,
  SOCK_RAW,
  SOL_IP,
  SOL_IPV6,
  SOL_SOCKET,
} from '../../native/constants.js';
import { NativeSocket } from '../../native/socket.js';
import { parseSockaddr, sockaddrIn, sockaddrIn6, sockaddrLl } from '../../native/sockaddr.js';
import { ipBytes, ipText } from '../../native/ip.js';
import { encodeIpv4, parseIpv4 } from './ip.js';
import { encodeAdvert, VRRP_GROUP_V4, VRRP_GROUP_V6, type Advert, type RxMeta } from './packet.js';

/** Where and how an instance talks. */
export interface SocketSpec {
  family: 4 | 6;
  ifname: string;
  ifindex: number;
  /** Our source address (IPv6: the interface's link-local address). */
  src: string;
  /** Unicast peers; empty = multicast. */
  peers: readonly string[];
}

/** A received VRRP payload (IP header removed) with what the socket saw, or a pre-decode rejection. */
export type Received =
  { ok: true; msg: Buffer; meta: RxMeta } | { ok: false; reason: 'ip-header' | 'protocol'; src?: string };

const nameOpt = (ifname: string) => Buffer.from(ifname + '\0');

function mreqn(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  ipBytes(group).copy(b, 0);
  b.writeInt32LE(ifindex, 8);
  return b;
}

function mreq6(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(20);
  ipBytes(group).copy(b, 0);
  b.writeUInt32LE(ifindex, 16);
  return b;
}

/** A raw VRRP socket bound to one interface. */
export class VrrpSocket {
  private ipId = 0;
  private constructor(
    private readonly sock: NativeSocket,
    private readonly spec: SocketSpec,
  ) {}

  /** Opens and configures the socket (join, TTL, device). Throws SysError (EPERM names CAP_NET_RAW). */
  static open(spec: SocketSpec): VrrpSocket {
    const s = NativeSocket.open(spec.family === 6 ? AF_INET6 : AF_INET, SOCK_RAW, IPPROTO_VRRP);
    try {
      s.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, nameOpt(spec.ifname));
      if (spec.family === 4) VrrpSocket.setup4(s, spec);
      else VrrpSocket.setup6(s, spec);
    } catch (e) {
      s.close();
      throw e;
    }
    return new VrrpSocket(s, spec);
  }

  private static setup4(s: NativeSocket, spec: SocketSpec): void {
    s.setsockopt(SOL_IP, IP_HDRINCL, 1);
    s.setsockopt(SOL_IP, IP_MULTICAST_LOOP, 0);
    s.setsockopt(SOL_IP, IP_MULTICAST_ALL, 0);
    s.setsockopt(SOL_IP, IP_MULTICAST_IF, mreqn('0.0.0.0', spec.ifindex));
    if (spec.peers.length === 0) s.setsockopt(SOL_IP, IP_ADD_MEMBERSHIP, mreqn(VRRP_GROUP_V4, spec.ifindex));
  }

  private static setup6(s: NativeSocket, spec: SocketSpec): void {
    s.setsockopt(SOL_IPV6, IPV6_CHECKSUM, 6);
    s.setsockopt(SOL_IPV6, IPV6_MULTICAST_HOPS, 255);
    s.setsockopt(SOL_IPV6, IPV6_UNICAST_HOPS, 255);
    s.setsockopt(SOL_IPV6, IPV6_MULTICAST_LOOP, 0);
    s.setsockopt(SOL_IPV6, IPV6_MULTICAST_IF, spec.ifindex);
    s.setsockopt(SOL_IPV6, IPV6_RECVHOPLIMIT, 1);
    s.setsockopt(SOL_IPV6, IPV6_RECVPKTINFO, 1);
    s.bind(sockaddrIn6(spec.src, 0, spec.ifindex));
    if (spec.peers.length === 0) s.setsockopt(SOL_IPV6, IPV6_ADD_MEMBERSHIP, mreq6(VRRP_GROUP_V6, spec.ifindex));
  }

  /** Sends the advert to the group, or once per unicast peer (v3 checksum per destination). */
  send(a: Advert): void {
    const dsts = this.spec.peers.length ? this.spec.peers : [this.spec.family === 6 ? VRRP_GROUP_V6 : VRRP_GROUP_V4];
    for (const dst of dsts) {
      const msg = encodeAdvert(a, this.spec.src, dst);
      if (this.spec.family === 6) this.sock.sendto(msg, sockaddrIn6(dst, 0, this.spec.ifindex));
      else {
        this.ipId = (this.ipId + 1) & 0xffff;
        this.sock.sendto(encodeIpv4({ src: this.spec.src, dst, id: this.ipId }, msg), sockaddrIn(dst, 0));
      }
    }
  }

  /**
   * Calls `cb` for every datagram (drained on each readiness). Our own adverts are not looped back
   * (IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP 0), so one carrying our source address is forged: it is
   * passed on for the codec to count as `own-address`.
   */
  onReceive(cb: (r: Received) => void): void {
    this.sock.onReadable(() => {
      for (let n = 0; n < 256; n++) {
        const r = this.sock.recvmsg(4096, 128);
        if (!r) return;
        cb(this.spec.family === 6 ? this.parse6(r.data, r.from, r.control) : this.parse4(r.data));
      }
    });
  }

  private parse4(pkt: Buffer): Received {
    const ip = parseIpv4(pkt);
    if (!ip.ok) return { ok: false, reason: 'ip-header' };
    if (ip.protocol !== IPPROTO_VRRP) return { ok: false, reason: 'protocol', src: ip.src };
    return { ok: true, msg: ip.payload, meta: { src: ip.src, dst: ip.dst, ttl: ip.ttl } };
  }

  private parse6(data: Buffer, from: Buffer, control: Buffer): Received {
    const src = parseSockaddr(from).address;
    if (!src) return { ok: false, reason: 'ip-header' };
    const c = parseCmsg6(control);
    return { ok: true, msg: data, meta: { src, dst: c.dst ?? VRRP_GROUP_V6, ttl: c.hopLimit ?? -1 } };
  }

  /** Closes the socket (leaving the group). Idempotent. */
  close(): void {
    this.sock.close();
  }
}

/** Reads IPV6_HOPLIMIT and IPV6_PKTINFO from recvmsg ancillary data. */
export function parseCmsg6(control: Buffer): { hopLimit?: number; dst?: string } {
  const out: { hopLimit?: number; dst?: string } = {};
  for (let off = 0; off + 16 <= control.length;) {
    const len = Number(control.readBigUInt64LE(off));
    if (len < 16 || off + len > control.length) break;
    const level = control.readInt32LE(off + 8);
    const type = control.readInt32LE(off + 12);
    if (level === SOL_IPV6 && type === IPV6_HOPLIMIT && len >= 20) out.hopLimit = control.readInt32LE(off + 16);
    if (level === SOL_IPV6 && type === IPV6_PKTINFO && len >= 36)
      out.dst = ipText(control.subarray(off + 16, off + 32));
    off += (len + 7) & ~7;
  }
  return out;
}

/** Sends prebuilt Ethernet frames (GARP / NA) out of one interface. */
export class FrameSender {
  private constructor(
    private readonly sock: NativeSocket,
    private readonly ifindex: number,
  ) {}

  /** AF_PACKET SOCK_RAW with protocol 0: send-only, so nothing is ever queued for reading. */
  static open(ifindex: number): FrameSender {
    return new FrameSender(NativeSocket.open(AF_PACKET, SOCK_RAW, 0), ifindex);
  }

  /** Sends one frame; its ethertype picks the sockaddr protocol. Errors are returned, not thrown. */
  send(frame: Buffer): Error | undefined {
    const proto = frame.readUInt16BE(12) === ETH_P_IPV6 ? ETH_P_IPV6 : ETH_P_ARP;
    try {
      this.sock.sendto(frame, sockaddrLl({ protocol: proto, ifindex: this.ifindex, addr: frame.subarray(0, 6) }));
      return undefined;
    } catch (e) {
      return e as Error;
    }
  }

  close(): void {
    this.sock.close();
  }
}
