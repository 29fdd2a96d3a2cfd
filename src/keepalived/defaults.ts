/**
 * lvsd's defaults and key order, per table, as docs/config.md states them: the TOML writer leaves
 * out every key whose value equals the default and writes the rest in this order. A unit test
 * compares both with docs/config.md, so they cannot drift from the schema.
 */
import { parseDuration } from '../util/duration.js';

/** Key order of each table, as in docs/config.md (check: the common keys, then each kind's). */
export const ORDER: Record<string, readonly string[]> = {
  global: [
    'router_id',
    'log_level',
    'control_socket',
    'control_socket_group',
    'metrics_listen',
    'resync_interval',
    'on_shutdown',
    'removal',
    'drain_timeout',
    'state_file',
  ],
  virtual_server: [
    'name',
    'address',
    'port',
    'protocol',
    'fwmark',
    'family',
    'scheduler',
    'scheduler_flags',
    'forwarding',
    'tun_type',
    'tun_port',
    'tun_flags',
    'persistence',
    'persistence_netmask',
    'persistence_engine',
    'one_packet',
    'ecmp',
    'quorum',
    'quorum_hysteresis',
    'sorry_server',
    'quorum_up',
    'quorum_down',
    'on_failure',
    'maintenance',
    'slow_start',
    'check',
    'real_server',
  ],
  real_server: ['address', 'port', 'weight', 'upper_threshold', 'lower_threshold', 'forwarding', 'check'],
  check: [
    'type',
    'interval',
    'timeout',
    'rise',
    'fall',
    'initial',
    'warmup',
    'retries',
    'retry_delay',
    'connect_ip',
    'connect_port',
    'bindto',
    'send',
    'send_hex',
    'expect',
    'expect_hex',
    'method',
    'path',
    'host',
    'headers',
    'body',
    'expect_status',
    'expect_body',
    'expect_digest',
    'max_body_bytes',
    'follow_redirects',
    'sni',
    'tls_verify',
    'ca_file',
    'size',
    'payload',
    'payload_hex',
    'require_reply',
    'name',
    'query_type',
    'expect_answer',
    'recursion',
    'command',
    'dynamic',
  ],
  vrrp_instance: [
    'name',
    'interface',
    'virtual_router_id',
    'priority',
    'version',
    'advert_interval',
    'preempt',
    'preempt_delay',
    'unicast_src_ip',
    'unicast_peers',
    'authentication',
    'virtual_ipaddress',
    'track_interface',
    'track_script',
    'track_virtual_server',
    'notify',
    'notify_timeout',
    'garp_master_repeat',
    'garp_master_delay',
    'garp_master_refresh',
    'garp_interval',
  ],
  sync: [
    'interface',
    'vrrp_instances',
    'role',
    'sync_id',
    'maxlen',
    'group',
    'port',
    'ttl',
    'startup_delay',
    'handover',
  ],
};

/** Defaults that have a fixed value (durations as written in docs/config.md). */
export const DEFAULTS: Record<string, Readonly<Record<string, unknown>>> = {
  global: {
    log_level: 'info',
    control_socket: '/run/lvsd/lvsd.sock',
    resync_interval: '30s',
    on_shutdown: 'keep',
    removal: 'drain',
    drain_timeout: '5m',
    state_file: '/var/lib/lvsd/state.json',
  },
  virtual_server: {
    protocol: 'tcp',
    scheduler: 'wlc',
    scheduler_flags: [],
    forwarding: 'nat',
    tun_flags: 'nocsum',
    one_packet: false,
    ecmp: false,
    quorum: 1,
    quorum_hysteresis: 0,
    on_failure: 'weight0',
    real_server: [],
  },
  real_server: { weight: 1, upper_threshold: 0, lower_threshold: 0 },
  check: {
    interval: '2s',
    rise: 2,
    fall: 3,
    initial: 'up',
    warmup: true,
    retries: 0,
    retry_delay: '100ms',
    method: 'GET',
    path: '/',
    headers: {},
    expect_status: [[200, 399]],
    max_body_bytes: 65536,
    follow_redirects: 0,
    tls_verify: true,
    size: 56,
    require_reply: false,
    query_type: 'A',
    recursion: true,
    dynamic: false,
  },
  vrrp_instance: {
    priority: 100,
    version: 3,
    advert_interval: '1s',
    preempt: true,
    preempt_delay: '0ms',
    unicast_peers: [],
    track_interface: [],
    track_script: [],
    track_virtual_server: [],
    notify: { master: [], backup: [], fault: [], stop: [] },
    notify_timeout: '10s',
    garp_master_repeat: 5,
    garp_master_delay: '5s',
    garp_interval: '0ms',
  },
  sync: { startup_delay: '10s', handover: '3s' },
};

/** Keys whose values are durations. */
const DURATIONS = new Set([
  'resync_interval',
  'drain_timeout',
  'persistence',
  'slow_start',
  'interval',
  'timeout',
  'retry_delay',
  'advert_interval',
  'preempt_delay',
  'notify_timeout',
  'garp_master_delay',
  'garp_master_refresh',
  'garp_interval',
  'startup_delay',
  'handover',
]);

/**
 * True when `value` of `key` in a `table` equals lvsd's default. `siblings` are the table's other
 * keys (a check's timeout defaults to min(1s, interval)).
 */
export function isDefault(
  table: string,
  key: string,
  value: unknown,
  siblings: Readonly<Record<string, unknown>> = {},
): boolean {
  if (table === 'check' && key === 'timeout') {
    const interval = typeof siblings.interval === 'string' ? parseDuration(siblings.interval) : 2000;
    return typeof value === 'string' && parseDuration(value) === Math.min(1000, interval);
  }
  if (table === 'check' && key === 'expect_status') return sameStatus(value, [[200, 399]]);
  const d = DEFAULTS[table]?.[key];
  if (d === undefined) return false;
  if (DURATIONS.has(key) && typeof value === 'string' && typeof d === 'string')
    return parseDuration(value) === parseDuration(d);
  return JSON.stringify(value) === JSON.stringify(d);
}

function sameStatus(v: unknown, ranges: number[][]): boolean {
  if (!Array.isArray(v) || v.length !== ranges.length) return false;
  return v.every((x, i) => {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(String(x));
    return !!m && Number(m[1]) === ranges[i]![0] && Number(m[2] ?? m[1]) === ranges[i]![1];
  });
}
