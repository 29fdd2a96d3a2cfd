/**
 * Fakes of a VRRP runtime's I/O for unit tests: a host that keeps addresses like the kernel (eth0
 * with 10.0.0.2 and fe80::2, eth1 without an address) and sockets that record what is sent and let
 * a test deliver packets.
 */
import type { HostEvent, HostNet, VipSpec } from '../../../src/vrrp/hostnet.js';
import type { Received, SocketSpec } from '../../../src/vrrp/net.js';
import type { Advert } from '../../../src/vrrp/packet.js';
import type { Sockets } from '../../../src/vrrp/runtime.js';

/** A host that keeps addresses like the kernel (EEXIST/EADDRNOTAVAIL are swallowed by contract). */
export function fakeHost() {
  const addrs = new Set<string>();
  let cb: ((ev: HostEvent) => void) | undefined;
  // what links()/addresses() report; tests may add to them (an interface or address appearing later)
  const linkList = [
    { index: 2, name: 'eth0', mac: '02:00:00:00:00:01', up: true },
    { index: 3, name: 'eth1', mac: '02:00:00:00:00:02', up: true },
  ];
  const addrList = [
    { ifindex: 2, family: 4 as const, address: '10.0.0.2', prefixlen: 24 },
    { ifindex: 2, family: 6 as const, address: 'fe80::2', prefixlen: 64 },
  ];
  const host: HostNet & {
    addrs: Set<string>;
    linkList: typeof linkList;
    addrList: typeof addrList;
    emit(ev: HostEvent): void;
  } = {
    addrs,
    linkList,
    addrList,
    emit: (ev) => cb?.(ev),
    links: async () => [...linkList],
    addresses: async () => [...addrList],
    addVip: async (v: VipSpec) => void addrs.add(`${v.ifindex}/${v.address}/${v.prefixlen}`),
    delVip: async (v: VipSpec) => void addrs.delete(`${v.ifindex}/${v.address}/${v.prefixlen}`),
    subscribe: (f) => ((cb = f), () => (cb = undefined)),
    close: () => undefined,
  };
  return host;
}

/** Sockets that record sent adverts and frames; `rx` delivers received packets by ifname + source. */
export function fakeSockets() {
  const sent: Array<{ spec: SocketSpec; advert: Advert }> = [];
  const frames: Buffer[] = [];
  const rx = new Map<string, (r: Received) => void>();
  const opened: SocketSpec[] = [];
  const sockets: Sockets = {
    openAdvert: (spec) => {
      opened.push(spec);
      return {
        send: (advert: Advert) => void sent.push({ spec, advert }),
        onReceive: (f: (r: Received) => void) => void rx.set(spec.ifname + spec.src, f),
        close: () => undefined,
      };
    },
    openFrames: () => ({ send: (f: Buffer) => void frames.push(f), close: () => undefined }),
  };
  return { sockets, sent, frames, rx, opened };
}
