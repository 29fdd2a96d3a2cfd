/**
 * Forged-advert injector for the VRRP attack tests and the flood benchmark: a raw IPv4 socket in a
 * namespace, bound to its eth0, writing its own IPv4 header (IP_HDRINCL), so TTL, source and lengths
 * are the attacker's to choose.
 */
import {
  AF_INET,
  IP_HDRINCL,
  IP_MULTICAST_IF,
  SO_BINDTODEVICE,
  SOCK_RAW,
  SOL_IP,
  SOL_SOCKET,
} from '../native/constants.js';
import { ifNameToIndex } from '../native/interfaces.js';
import { withNetns } from '../native/netns.js';
import { sockaddrIn } from '../native/sockaddr.js';
import { NativeSocket } from '../native/socket.js';
import { encodeIpv4 } from '../src/vrrp/ip.js';
import { VRRP_GROUP_V4 } from '../src/vrrp/packet.js';

/** Sends raw VRRP messages with a header of our making from a namespace's eth0 (or this one's, netns undefined). */
export class Injector {
  private readonly sock: NativeSocket;
  private id = 0;

  constructor(netns?: string) {
    const open = () => {
      const s = NativeSocket.open(AF_INET, SOCK_RAW, 112);
      s.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from('eth0\0'));
      s.setsockopt(SOL_IP, IP_HDRINCL, 1);
      const mreqn = Buffer.alloc(12);
      mreqn.writeInt32LE(ifNameToIndex('eth0'), 8);
      s.setsockopt(SOL_IP, IP_MULTICAST_IF, mreqn);
      return s;
    };
    this.sock = netns ? withNetns(netns, open) : open();
  }

  /** One packet: `msg` after an IPv4 header from `src` to `dst` (default the VRRP group) with `ttl` (default 255). */
  send(msg: Buffer, o: { src: string; dst?: string; ttl?: number }): void {
    const dst = o.dst ?? VRRP_GROUP_V4;
    this.id = (this.id + 1) & 0xffff;
    this.sendRaw(encodeIpv4({ src: o.src, dst, id: this.id, ttl: o.ttl ?? 255 }, msg), dst);
  }

  /** A whole IPv4 packet, header included, to `dst`. Throws SysError (e.g. ENOBUFS) as sendto does. */
  sendRaw(packet: Buffer, dst: string): void {
    this.sock.sendto(packet, sockaddrIn(dst, 0));
  }

  close(): void {
    this.sock.close();
  }
}
