/**
 * HostNet over rtnetlink (src/rtnetlink): links, addresses, VIP add/remove (IPv6 with NODAD, so a
 * VIP is usable at once), link/address events. Must be opened in the thread that uses it (the
 * sockets register with that thread's event loop).
 */
import { isIP } from 'node:net';
import { Rtnetlink } from '../rtnetlink/client.js';
import { subscribeLinkAddr } from '../rtnetlink/events.js';
import type { HostAddr, HostEvent, HostLink, HostNet, VipSpec } from './hostnet.js';

const famOf = (f: unknown, address: string): 4 | 6 =>
  f === 'inet6' || f === 10 || f === 6 || isIP(address) === 6 ? 6 : 4;
const codeOf = (e: unknown): string | undefined => (e as { code?: string }).code;

/** Opens an rtnetlink-backed HostNet in the calling thread's network namespace. */
export function openRtnlHost(): HostNet {
  const rt = Rtnetlink.open();
  return {
    async links(): Promise<HostLink[]> {
      const ls = await rt.listLinks();
      return ls.map((l) => ({
        index: l.index,
        name: l.name,
        mac: l.mac || '00:00:00:00:00:00',
        up: l.up && (l.running || l.lowerUp),
      }));
    },
    // one dump at a time per socket: a second concurrent dump gets EBUSY from the kernel
    async addresses(): Promise<HostAddr[]> {
      const as = await rt.listAddresses();
      return as.map((a) => ({
        ifindex: a.ifindex,
        family: famOf(a.family, a.address),
        address: a.address,
        prefixlen: a.prefixlen,
      }));
    },
    async addVip(v: VipSpec): Promise<void> {
      const v6 = isIP(v.address) === 6;
      try {
        await rt.addAddress({
          ifindex: v.ifindex,
          address: v.address,
          prefixlen: v.prefixlen,
          label: v6 ? undefined : v.label,
          nodad: v6,
        });
      } catch (e) {
        if (codeOf(e) !== 'EEXIST') throw e;
      }
    },
    async delVip(v: VipSpec): Promise<void> {
      try {
        await rt.delAddress({ ifindex: v.ifindex, address: v.address, prefixlen: v.prefixlen });
      } catch (e) {
        if (codeOf(e) !== 'EADDRNOTAVAIL' && codeOf(e) !== 'ENODEV') throw e;
      }
    },
    subscribe(cb: (ev: HostEvent) => void): () => void {
      const sub = subscribeLinkAddr((ev) => {
        if (ev.kind === 'link')
          cb({ kind: 'link', index: ev.index, name: ev.name, up: ev.up && (ev.running || ev.lowerUp) });
        else cb({ kind: 'addr', added: ev.added, ifindex: ev.ifindex, address: ev.address });
      });
      return () => sub.close();
    },
    close: () => rt.close(),
  };
}
