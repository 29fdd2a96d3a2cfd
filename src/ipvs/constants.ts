/**
 * IPVS generic netlink constants, named as in include/uapi/linux/ip_vs.h (family "IPVS", version 1).
 *
 * A request is nlmsghdr + genlmsghdr{cmd, version 1} + attributes:
 *   IPVS_CMD_ATTR_SERVICE (nested IPVS_SVC_ATTR_*) identifies or describes a virtual service;
 *   IPVS_CMD_ATTR_DEST    (nested IPVS_DEST_ATTR_*) describes a real server of that service.
 *   e.g. NEW_DEST: [SERVICE [AF][PROTOCOL][ADDR 16B][PORT be16]] [DEST [ADDR_FAMILY][ADDR][PORT][FWD][WEIGHT][U][L]...]
 */

/** Generic netlink family name and version. */
export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

/** enum ipvs_cmds */
export const IPVS_CMD_NEW_SERVICE = 1;
export const IPVS_CMD_SET_SERVICE = 2;
export const IPVS_CMD_DEL_SERVICE = 3;
export const IPVS_CMD_GET_SERVICE = 4;
export const IPVS_CMD_NEW_DEST = 5;
export const IPVS_CMD_SET_DEST = 6;
export const IPVS_CMD_DEL_DEST = 7;
export const IPVS_CMD_GET_DEST = 8;
export const IPVS_CMD_NEW_DAEMON = 9;
export const IPVS_CMD_DEL_DAEMON = 10;
export const IPVS_CMD_GET_DAEMON = 11;
export const IPVS_CMD_SET_CONFIG = 12;
export const IPVS_CMD_GET_CONFIG = 13;
export const IPVS_CMD_SET_INFO = 14;
export const IPVS_CMD_GET_INFO = 15;
export const IPVS_CMD_ZERO = 16;
export const IPVS_CMD_FLUSH = 17;

/** Command names for error messages, indexed by command number. */
export const IPVS_CMD_NAMES: Record<number, string> = {
  1: 'IPVS_CMD_NEW_SERVICE',
  2: 'IPVS_CMD_SET_SERVICE',
  3: 'IPVS_CMD_DEL_SERVICE',
  4: 'IPVS_CMD_GET_SERVICE',
  5: 'IPVS_CMD_NEW_DEST',
  6: 'IPVS_CMD_SET_DEST',
  7: 'IPVS_CMD_DEL_DEST',
  8: 'IPVS_CMD_GET_DEST',
  9: 'IPVS_CMD_NEW_DAEMON',
  10: 'IPVS_CMD_DEL_DAEMON',
  11: 'IPVS_CMD_GET_DAEMON',
  12: 'IPVS_CMD_SET_CONFIG',
  13: 'IPVS_CMD_GET_CONFIG',
  15: 'IPVS_CMD_GET_INFO',
  16: 'IPVS_CMD_ZERO',
  17: 'IPVS_CMD_FLUSH',
};

/** enum ipvs_cmd_attr */
export const IPVS_CMD_ATTR_SERVICE = 1;
export const IPVS_CMD_ATTR_DEST = 2;
export const IPVS_CMD_ATTR_DAEMON = 3;
export const IPVS_CMD_ATTR_TIMEOUT_TCP = 4;
export const IPVS_CMD_ATTR_TIMEOUT_TCP_FIN = 5;
export const IPVS_CMD_ATTR_TIMEOUT_UDP = 6;

/** enum ipvs_svc_attr */
export const IPVS_SVC_ATTR_AF = 1;
export const IPVS_SVC_ATTR_PROTOCOL = 2;
export const IPVS_SVC_ATTR_ADDR = 3;
export const IPVS_SVC_ATTR_PORT = 4;
export const IPVS_SVC_ATTR_FWMARK = 5;
export const IPVS_SVC_ATTR_SCHED_NAME = 6;
export const IPVS_SVC_ATTR_FLAGS = 7;
export const IPVS_SVC_ATTR_TIMEOUT = 8;
export const IPVS_SVC_ATTR_NETMASK = 9;
export const IPVS_SVC_ATTR_STATS = 10;
export const IPVS_SVC_ATTR_PE_NAME = 11;
export const IPVS_SVC_ATTR_STATS64 = 12;

/** enum ipvs_dest_attr */
export const IPVS_DEST_ATTR_ADDR = 1;
export const IPVS_DEST_ATTR_PORT = 2;
export const IPVS_DEST_ATTR_FWD_METHOD = 3;
export const IPVS_DEST_ATTR_WEIGHT = 4;
export const IPVS_DEST_ATTR_U_THRESH = 5;
export const IPVS_DEST_ATTR_L_THRESH = 6;
export const IPVS_DEST_ATTR_ACTIVE_CONNS = 7;
export const IPVS_DEST_ATTR_INACT_CONNS = 8;
export const IPVS_DEST_ATTR_PERSIST_CONNS = 9;
export const IPVS_DEST_ATTR_STATS = 10;
export const IPVS_DEST_ATTR_ADDR_FAMILY = 11;
export const IPVS_DEST_ATTR_STATS64 = 12;
export const IPVS_DEST_ATTR_TUN_TYPE = 13;
export const IPVS_DEST_ATTR_TUN_PORT = 14;
export const IPVS_DEST_ATTR_TUN_FLAGS = 15;

/** enum ipvs_daemon_attr (inside IPVS_CMD_ATTR_DAEMON; SYNC_MAXLEN and later since Linux 4.3) */
export const IPVS_DAEMON_ATTR_STATE = 1; // u32 IP_VS_STATE_*
export const IPVS_DAEMON_ATTR_MCAST_IFN = 2; // NUL-terminated, < IP_VS_IFNAME_MAXLEN
export const IPVS_DAEMON_ATTR_SYNC_ID = 3; // u32 (the sync header carries a u8)
export const IPVS_DAEMON_ATTR_SYNC_MAXLEN = 4; // u16 UDP payload size
export const IPVS_DAEMON_ATTR_MCAST_GROUP = 5; // u32, network byte order
export const IPVS_DAEMON_ATTR_MCAST_GROUP6 = 6; // 16 bytes
export const IPVS_DAEMON_ATTR_MCAST_PORT = 7; // u16, host byte order (the kernel applies htons)
export const IPVS_DAEMON_ATTR_MCAST_TTL = 8; // u8

/** Sync daemon states (IP_VS_STATE_*); one master and one backup may run at once per network namespace. */
export const IP_VS_STATE_NONE = 0;
export const IP_VS_STATE_MASTER = 1;
export const IP_VS_STATE_BACKUP = 2;

/** Longest interface name plus its NUL (IP_VS_IFNAME_MAXLEN, = IFNAMSIZ). */
export const IP_VS_IFNAME_MAXLEN = 16;

/** The kernel's sync defaults (ip_vs_sync.c): group 224.0.0.81, UDP port 8848, TTL 1. */
export const IP_VS_SYNC_GROUP = '224.0.0.81';
export const IP_VS_SYNC_PORT = 8848;
export const IP_VS_SYNC_TTL = 1;

/** enum ipvs_stats_attr (STATS: u32 counters except bytes; STATS64: all u64) */
export const IPVS_STATS_ATTR_CONNS = 1;
export const IPVS_STATS_ATTR_INPKTS = 2;
export const IPVS_STATS_ATTR_OUTPKTS = 3;
export const IPVS_STATS_ATTR_INBYTES = 4;
export const IPVS_STATS_ATTR_OUTBYTES = 5;
export const IPVS_STATS_ATTR_CPS = 6;
export const IPVS_STATS_ATTR_INPPS = 7;
export const IPVS_STATS_ATTR_OUTPPS = 8;
export const IPVS_STATS_ATTR_INBPS = 9;
export const IPVS_STATS_ATTR_OUTBPS = 10;
export const IPVS_STATS_ATTR_PAD = 11;

/** enum ipvs_info_attr (top level of a GET_INFO reply) */
export const IPVS_INFO_ATTR_VERSION = 1;
export const IPVS_INFO_ATTR_CONN_TAB_SIZE = 2;

/** Service flags (IP_VS_SVC_F_*). */
export const IP_VS_SVC_F_PERSISTENT = 0x0001;
export const IP_VS_SVC_F_HASHED = 0x0002;
export const IP_VS_SVC_F_ONEPACKET = 0x0004;
export const IP_VS_SVC_F_SCHED1 = 0x0008;
export const IP_VS_SVC_F_SCHED2 = 0x0010;
export const IP_VS_SVC_F_SCHED3 = 0x0020;
export const IP_VS_SVC_F_SCHED_SH_FALLBACK = IP_VS_SVC_F_SCHED1;
export const IP_VS_SVC_F_SCHED_SH_PORT = IP_VS_SVC_F_SCHED2;
export const IP_VS_SVC_F_SCHED_MH_FALLBACK = IP_VS_SVC_F_SCHED1;
export const IP_VS_SVC_F_SCHED_MH_PORT = IP_VS_SVC_F_SCHED2;

/** Scheduler flag names (ipvsadm -b, the config's scheduler_flags), each for one scheduler. */
export const SCHEDULER_FLAG_NAMES = ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'] as const;
/** A scheduler flag name. */
export type SchedulerFlag = (typeof SCHEDULER_FLAG_NAMES)[number];
/** Each scheduler flag: the scheduler it belongs to and its IP_VS_SVC_F_SCHED* bit. */
export const SCHEDULER_FLAGS: Readonly<Record<SchedulerFlag, { scheduler: 'sh' | 'mh'; bit: number }>> = {
  'sh-fallback': { scheduler: 'sh', bit: IP_VS_SVC_F_SCHED_SH_FALLBACK },
  'sh-port': { scheduler: 'sh', bit: IP_VS_SVC_F_SCHED_SH_PORT },
  'mh-fallback': { scheduler: 'mh', bit: IP_VS_SVC_F_SCHED_MH_FALLBACK },
  'mh-port': { scheduler: 'mh', bit: IP_VS_SVC_F_SCHED_MH_PORT },
};

/** Connection (forwarding) flags, IP_VS_CONN_F_FWD_MASK = 7. */
export const IP_VS_CONN_F_FWD_MASK = 0x0007;
export const IP_VS_CONN_F_MASQ = 0x0000;
export const IP_VS_CONN_F_LOCALNODE = 0x0001;
export const IP_VS_CONN_F_TUNNEL = 0x0002;
export const IP_VS_CONN_F_DROUTE = 0x0003;
export const IP_VS_CONN_F_BYPASS = 0x0004;

/** Tunnel types (IP_VS_CONN_F_TUNNEL_TYPE_*). */
export const IP_VS_CONN_F_TUNNEL_TYPE_IPIP = 0;
export const IP_VS_CONN_F_TUNNEL_TYPE_GUE = 1;
export const IP_VS_CONN_F_TUNNEL_TYPE_GRE = 2;

/** Tunnel encapsulation flags (IP_VS_TUNNEL_ENCAP_FLAG_*). */
export const IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM = 0;
export const IP_VS_TUNNEL_ENCAP_FLAG_CSUM = 1 << 0;
export const IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM = 1 << 1;

/** Longest scheduler / persistence-engine name the kernel accepts (IP_VS_SCHEDNAME_MAXLEN - 1). */
export const IP_VS_SCHEDNAME_MAXLEN = 16;
export const IP_VS_PENAME_MAXLEN = 16;

/** Address families (linux/socket.h) and IP protocols as the kernel encodes them. */
export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

/** Schedulers built in current kernels (twos is absent from some builds, e.g. UML 6.1). */
export const SCHEDULERS = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'lblc',
  'lblcr',
  'dh',
  'sh',
  'sed',
  'nq',
  'fo',
  'ovf',
  'mh',
  'twos',
] as const;
