/**
 * Link and address events from the kernel (multicast groups RTMGRP_LINK, RTMGRP_IPV4_IFADDR,
 * RTMGRP_IPV6_IFADDR), for VRRP to notice an interface going down or a VIP vanishing.
 */
import { NetlinkConnection } from '../netlink/conn.js';
import type { NetlinkError } from '../netlink/errors.js';
import type { NlMsg } from '../netlink/message.js';
import {
  NETLINK_ROUTE,
  RTMGRP_IPV4_IFADDR,
  RTMGRP_IPV6_IFADDR,
  RTMGRP_LINK,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  decodeAddr,
  decodeLink,
} from './codec.js';

/** A link changed (`removed` when the kernel deleted it). */
export interface LinkEvent {
  kind: 'link';
  index: number;
  name: string;
  up: boolean;
  running: boolean;
  lowerUp: boolean;
  removed?: true;
}

/** An address appeared (`added`) or went away. */
export interface AddrEvent {
  kind: 'addr';
  added: boolean;
  ifindex: number;
  family: 'inet' | 'inet6';
  address: string;
  prefixlen: number;
  label?: string;
}

/** Either kind of event delivered by subscribeLinkAddr. */
export type LinkAddrEvent = LinkEvent | AddrEvent;

/**
 * Decodes one notification into an event; null for message types it does not cover. Throws
 * NetlinkDecodeError on a malformed message.
 */
export function toEvent(m: NlMsg): LinkAddrEvent | null {
  if (m.type === RTM_NEWLINK || m.type === RTM_DELLINK) {
    const l = decodeLink(m);
    const ev: LinkEvent = {
      kind: 'link',
      index: l.index,
      name: l.name,
      up: l.up,
      running: l.running,
      lowerUp: l.lowerUp,
    };
    if (m.type === RTM_DELLINK) ev.removed = true;
    return ev;
  }
  if (m.type !== RTM_NEWADDR && m.type !== RTM_DELADDR) return null;
  const a = decodeAddr(m);
  const ev: AddrEvent = {
    kind: 'addr',
    added: m.type === RTM_NEWADDR,
    ifindex: a.ifindex,
    family: a.family,
    address: a.address,
    prefixlen: a.prefixlen,
  };
  if (a.label !== undefined) ev.label = a.label;
  return ev;
}

/**
 * Calls `cb` for every link and address change in the calling thread's network namespace until
 * `close()`. A malformed notification is skipped (and passed to `onError`); when the socket loses
 * messages (ENOBUFS) `onError` is told, so the caller can re-read the state it tracks. The
 * subscription does not keep the process alive on its own.
 */
export function subscribeLinkAddr(
  cb: (ev: LinkAddrEvent) => void,
  opts: { onError?: (e: Error) => void; connection?: NetlinkConnection } = {},
): { close(): void } {
  const conn =
    opts.connection ??
    NetlinkConnection.open(NETLINK_ROUTE, { groups: RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR });
  const onError = opts.onError ?? (() => {});
  conn.onNotification((m) => {
    let ev: LinkAddrEvent | null;
    try {
      ev = toEvent(m);
    } catch (e) {
      return onError(e as Error);
    }
    if (ev) cb(ev);
  });
  conn.onTransportError((e: NetlinkError) => onError(e));
  return { close: () => conn.close() };
}
