/**
 * The real ICMP sockets, through native/. Choice: a raw socket first (needs CAP_NET_RAW; lvsd runs as
 * root like keepalived), else an unprivileged ping socket (SOCK_DGRAM; needs the process group inside
 * net.ipv4.ping_group_range). One socket per family serves every probe; reading happens on the shared
 * poller, so the event loop never blocks. The watch does not keep the process alive.
 */
import { AF_INET, AF_INET6, IPPROTO_ICMP, IPPROTO_ICMPV6, SOCK_DGRAM, SOCK_RAW } from '../../native/constants.js';
import { parseSockaddr, sockaddrIn, sockaddrIn6 } from '../../native/sockaddr.js';
import { NativeSocket } from '../../native/socket.js';

/** A datagram endpoint for ICMP of one family: a raw socket or a ping (SOCK_DGRAM) socket. */
export interface IcmpTransport {
  /** 'raw': we choose the id, replies of every process arrive (IPv4 with IP header); 'dgram': the kernel sets the id. */
  readonly mode: 'raw' | 'dgram';
  /** Sends one ICMP message to `address`; throws an Error with an errno `code` on failure. */
  send(packet: Buffer, address: string): void;
  /** Registers the receiver of every packet read from the socket (source address as a string). */
  onPacket(cb: (data: Buffer, from: string) => void): void;
  close(): void;
}

/** Opens a transport for a family; throws an Error with a clear message when it cannot. */
export type IcmpTransportFactory = (family: 4 | 6) => IcmpTransport;

function openEither(family: 4 | 6): { sock: NativeSocket; mode: 'raw' | 'dgram' } {
  const domain = family === 4 ? AF_INET : AF_INET6;
  const proto = family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
  let rawErr: unknown;
  try {
    return { sock: NativeSocket.open(domain, SOCK_RAW, proto), mode: 'raw' };
  } catch (e) {
    rawErr = e;
  }
  try {
    return { sock: NativeSocket.open(domain, SOCK_DGRAM, proto), mode: 'dgram' };
  } catch (e) {
    const code = (x: unknown) => (x as { code?: string }).code ?? String(x);
    throw new Error(
      `cannot open an ICMP${family === 6 ? 'v6' : ''} socket: raw socket ${code(rawErr)} (needs CAP_NET_RAW), ` +
        `ping socket ${code(e)} (needs the group in net.ipv4.ping_group_range)`,
    );
  }
}

/** Opens the shared ICMP socket of a family (raw, else ping socket); throws an Error saying what is missing. */
export function openNativeIcmp(family: 4 | 6): IcmpTransport {
  const { sock, mode } = openEither(family);
  let receiver: (data: Buffer, from: string) => void = () => {};
  sock.onReadable(() => {
    try {
      for (let r = sock.recvfrom(2048); r; r = sock.recvfrom(2048)) {
        const from = parseSockaddr(r.from).address;
        if (from) receiver(r.data, from);
      }
    } catch {
      /* a socket error (e.g. closed meanwhile): probes waiting on it time out */
    }
  });
  return {
    mode,
    send(packet, address) {
      sock.sendto(packet, family === 4 ? sockaddrIn(address, 0) : sockaddrIn6(address, 0));
    },
    onPacket(cb) {
      receiver = cb;
    },
    close() {
      sock.close();
    },
  };
}
