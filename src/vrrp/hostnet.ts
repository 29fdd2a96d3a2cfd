/**
 * What VRRP needs from the host's network configuration, as an interface: links (index, MAC,
 * up/running), addresses, VIP add/remove, and link/address events. The real implementation is
 * rtnl.ts (rtnetlink); unit tests use a fake.
 */

/** A network interface. */
export interface HostLink {
  index: number;
  name: string;
  mac: string;
  /** Administratively up and with carrier (IFF_UP and IFF_RUNNING/LOWER_UP). */
  up: boolean;
}

/** An address on an interface. */
export interface HostAddr {
  ifindex: number;
  family: 4 | 6;
  address: string;
  prefixlen: number;
}

/** One VIP as added to the kernel. */
export interface VipSpec {
  ifindex: number;
  address: string;
  prefixlen: number;
  label?: string;
}

/** A change seen on the host. */
export type HostEvent =
  | { kind: 'link'; index: number; name: string; up: boolean }
  | { kind: 'addr'; added: boolean; ifindex: number; address: string };

/** Host network access; methods reject with an Error naming the operation. */
export interface HostNet {
  links(): Promise<HostLink[]>;
  addresses(): Promise<HostAddr[]>;
  /** Adds a VIP; an address already present is not an error. IPv6 VIPs get NODAD. */
  addVip(v: VipSpec): Promise<void>;
  /** Removes a VIP; an address already gone is not an error. */
  delVip(v: VipSpec): Promise<void>;
  /** Subscribes to link and address changes. */
  subscribe(cb: (ev: HostEvent) => void): () => void;
  close(): void;
}
