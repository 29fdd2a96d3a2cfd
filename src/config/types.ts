/**
 * The normalized config the daemon, planner and diff work with (output of `configSchema`).
 * Keys keep the file's snake_case names; durations are milliseconds; addresses are canonical
 * (native/ip.ts); every default is applied.
 */
import type { CheckSpec } from '../health/schema.js';
import type { Family, Forwarding, Protocol, ServiceId, TunnelType } from '../ipvs/types.js';
import type { VrrpInstanceConfig } from '../vrrp/schema.js';

/** `[global]` after defaults; durations in ms. */
export interface GlobalConfig {
  router_id: string;
  log_level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  control_socket: string;
  /** Group (name or numeric id) allowed on the control socket besides its owner. */
  control_socket_group?: string;
  /** Parsed "host:port"; undefined = no metrics listener. */
  metrics_listen?: { host: string; port: number };
  resync_interval: number;
  on_shutdown: 'keep' | 'remove';
  removal: 'drain' | 'delete';
  drain_timeout: number;
  state_file: string;
}

/** `[announce]` after defaults: VIP host routes in `table` with route protocol `protocol` (docs/ecmp.md). */
export interface AnnounceConfig {
  table: number;
  protocol: number;
  /** Canonical addresses. */
  vips: string[];
  policy: 'any' | 'all';
  /** ms */
  hold_down: number;
}

/** One real server with its effective settings. */
export interface RealServerConfig {
  /** Canonical address. */
  address: string;
  port: number;
  family: Family;
  weight: number;
  upper_threshold: number;
  lower_threshold: number;
  /** Effective forwarding (the override or the virtual server's). */
  forwarding: Extract<Forwarding, 'nat' | 'dr' | 'tun'>;
  /** Effective check (VS check merged with the override); undefined = always up. */
  check?: CheckSpec;
  /** `destKey` of this server, e.g. "10.0.0.2:8080" — the rs part of health/override keys. */
  key: string;
}

/** One virtual server with its IPVS identity and settings in kernel terms. */
export interface VirtualServerConfig {
  name: string;
  /** IPVS identity (canonical address). */
  id: ServiceId;
  /** `serviceKey(id)`, e.g. "TCP 10.0.0.1:80". */
  key: string;
  family: Family;
  protocol: Protocol;
  scheduler: string;
  scheduler_flags: string[];
  /** IP_VS_SVC_F_* bits from persistence, one_packet and scheduler_flags (no HASHED). */
  flags: number;
  forwarding: Extract<Forwarding, 'nat' | 'dr' | 'tun'>;
  tun_type?: TunnelType;
  tun_port?: number;
  /** IP_VS_TUNNEL_ENCAP_FLAG_*: nocsum 0, csum 1, remcsum 2. */
  tun_flags?: number;
  /** Persistence timeout in ms; 0 = none. */
  persistence: number;
  /** Kernel form: IPv4 u32 mask, IPv6 prefix length. */
  persistence_netmask: number;
  persistence_engine?: string;
  one_packet: boolean;
  /** ECMP mode: real_server is in ecmpDestOrder (src/announce/ecmp.ts). */
  ecmp: boolean;
  quorum: number;
  quorum_hysteresis: number;
  sorry_server?: { address: string; port: number; family: Family };
  /** Hooks (argv, no shell) run when quorum is regained / lost. */
  quorum_up?: string[];
  quorum_down?: string[];
  on_failure: 'weight0' | 'remove';
  /** What operator maintenance (lvsctl state maint) does: remove the real server or set weight 0. */
  maintenance: 'remove' | 'weight0';
  /** Slow-start ramp in ms; 0 = none. */
  slow_start: number;
  check?: CheckSpec;
  real_server: RealServerConfig[];
}

/** `[sync]` after defaults: durations in ms, the group canonical, the sync id resolved. */
export interface SyncConfig {
  interface: string;
  /** VRRP instances followed; empty = standalone with `role`. */
  vrrp_instances: string[];
  role?: 'master' | 'backup';
  /** The given id, else the first instance's virtual_router_id, else 0 (standalone). */
  sync_id: number;
  maxlen?: number;
  group?: string;
  port?: number;
  ttl?: number;
  startup_delay: number;
  handover: number;
}

/** The whole normalized config. */
export interface Config {
  global: GlobalConfig;
  /** Absent: no announcement. */
  announce?: AnnounceConfig;
  virtual_server: VirtualServerConfig[];
  vrrp_instance: VrrpInstanceConfig[];
  /** Connection sync; absent = lvsd leaves the kernel's sync daemons alone. */
  sync?: SyncConfig;
}

/** One thing wrong with a config. */
export interface ConfigProblem {
  /** Key path, e.g. `virtual_server[0] (web).real_server[2].port`; empty for file/syntax problems. */
  path: string;
  /** What is wrong, e.g. `expected an integer 1-65535, got "80a"`. */
  message: string;
  /** 1-based position of a TOML syntax error. */
  line?: number;
  column?: number;
}
