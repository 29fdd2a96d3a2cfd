/**
 * Every keyword of keepalived 2.2.7's configuration (its parsers' install_keyword calls, which are
 * what keepalived.conf(5) documents), per block, with what lvsd does with it: mapped (to which
 * lvsd key, or why lvsd's behaviour is already the same) or not mapped (why, and what to do
 * instead). The mapper reports unmapped keywords from here; docs/migration-keepalived.md's keyword
 * table is generated from here (`node dist/src/keepalived/doc-table.js`), and a unit test holds the
 * mapper's handlers, this catalogue and the document to each other.
 */

/** What lvsd does with one keyword. */
export interface Keyword {
  /** True: the importer carries it over (`note` says to what); false: it is reported (`note` says why). */
  mapped: boolean;
  note: string;
  /** For unmapped keywords: what to do instead. */
  instead?: string;
}

const m = (note: string): Keyword => ({ mapped: true, note });
const no = (note: string, instead = ''): Keyword => ({ mapped: false, note, instead });

const PROC = no(
  "tunes keepalived's child processes; lvsd is one process",
  'set it on the service: systemd Nice=, CPUAffinity=, CPUSchedulingPolicy=, LimitRTTIME=, MemoryDenyWriteExecute=',
);
const MAIL = no(
  'lvsd sends no e-mail',
  'alert on the Prometheus metrics (`global.metrics_listen`) or from `vrrp_instance.notify` hooks',
);
const SNMP = no('lvsd has no SNMP agent', 'scrape /metrics (`global.metrics_listen`) or read `lvsctl status --json`');
const DBUS = no('lvsd has no D-Bus interface', 'use lvsctl over `global.control_socket`');
const FIFO = no(
  'lvsd writes no notify FIFO',
  '`vrrp_instance.notify` hooks get the state in LVSD_VRRP_* variables; health transitions are in the JSON log and /metrics',
);
const NLBUF = no('lvsd sizes its netlink socket buffers itself', 'nothing');
const FIREWALL = no(
  'lvsd adds no firewall rules; its VIPs accept traffic (keepalived accept mode)',
  'write nftables/iptables rules yourself if you relied on them',
);
const VMAC = no(
  'lvsd has no virtual MAC (macvlan/ipvlan) interfaces; the VIP moves with gratuitous ARP / unsolicited NA',
  'drop it, or keep keepalived for this instance',
);
const GARP_EXTRA = no(
  'lvsd sends one GARP burst on becoming master (garp_master_repeat), a second after garp_master_delay and refreshes every garp_master_refresh; it has no separate lower-priority or extra-interface settings',
  'use `vrrp_instance.garp_master_refresh` for periodic refreshes',
);
const RELOAD = no(
  'lvsd reloads on SIGHUP or `lvsctl reload` only after validating the whole new file',
  'reload from your deployment tool (systemctl reload lvsd)',
);
const NOTIFY_EXTRA = no(
  'lvsd has hooks for master, backup, fault and stop only',
  'use `vrrp_instance.notify` (master, backup, fault, stop)',
);
const SCRIPT_USER = no(
  'lvsd runs scripts as its own (unprivileged) user, without a shell',
  'give the lvsd service user the rights the script needs (systemd User=/Group=)',
);
const BLOCK_VRRP_TRACK = no(
  'lvsd tracks interfaces, scripts and its own virtual servers only',
  'use a track_script (e.g. `pgrep -x NAME`, `test -s FILE`) or track_virtual_server',
);
const STATIC = no(
  'lvsd manages VIPs only, not static addresses, routes or rules',
  'configure them with the system network configuration (systemd-networkd, ifupdown, NetworkManager)',
);
const NS = no(
  'lvsd runs in the network namespace it is started in',
  'start it there: `ip netns exec NAME lvsd -f ...` (or NetworkNamespacePath= in the unit)',
);
const CHECK_LOG = no(
  'lvsd logs every health transition with its reason, not every failed probe',
  'see /metrics lvsd_probe_* and `lvsctl status` for each probe',
);
const HA_SUSPEND = no(
  'lvsd keeps probing while the VIP is on another node',
  'nothing: the IPVS table is the same; the backup node simply keeps its health current',
);
const RS_NOTIFY = no(
  'lvsd has no per-server hooks',
  'watch /metrics (lvsd_destination_up) or `lvsctl status --json`; for VRRP use track_virtual_server',
);
const QUORUM_NOTIFY = no(
  'lvsd has no quorum hooks',
  '`vrrp_instance.track_virtual_server` lowers the VRRP priority below quorum; /metrics shows it',
);
const SNMP_NAME_RS = no('lvsd names no real server (they are VS + address:port)', 'nothing');

/** Keywords every checker block takes (MISC_CHECK ignores the connection ones). */
export const CHECKER_COMMON: Record<string, Keyword> = {
  connect_ip: m('`virtual_server.check.connect_ip`'),
  connect_port: m('`virtual_server.check.connect_port`'),
  bindto: m('`virtual_server.check.bindto`'),
  bind_port: no('lvsd probes from an ephemeral source port', 'nothing, or filter on the source address (bindto)'),
  bind_if: no('lvsd binds probes to an address, not an interface', 'use bindto'),
  fwmark: no('lvsd does not mark probe packets', 'route probes by source address (bindto) instead of a mark'),
  connect_timeout: m('`virtual_server.check.timeout` (at most the interval)'),
  retry: m(
    '`virtual_server.check.retries` (keepalived: retry failures in a row, delay_before_retry apart, then down) with fall = 1',
  ),
  delay_before_retry: m('`virtual_server.check.retry_delay`'),
  warmup: m('`virtual_server.check.warmup` (0 → false; lvsd spreads the first probe over one interval)'),
  delay_loop: m('`virtual_server.check.interval`'),
  alpha: m('`virtual_server.check.initial` = "down"'),
  log_all_failures: CHECK_LOG,
};

const HTTP: Record<string, Keyword> = {
  ...CHECKER_COMMON,
  url: m(
    '`virtual_server.check.path`, `virtual_server.check.expect_status`, `virtual_server.check.expect_digest`, `virtual_server.check.expect_body`, `virtual_server.check.host` (the first url block)',
  ),
  virtualhost: m('`virtual_server.check.host`'),
  http_protocol: m('lvsd always sends HTTP/1.1 with Connection: close, which 1.0 servers answer too'),
  enable_sni: m('`virtual_server.check.sni` = the virtual host (https)'),
  fast_recovery: no('lvsd checks one URL per probe, so there is nothing to speed up', 'nothing'),
  nb_get_retry: m('`virtual_server.check.retries` (old name of retry)'),
};

/** Keywords by block. Block names are the keepalived keyword that opens them. */
export const KEYWORDS: Record<string, Record<string, Keyword>> = {
  root: {
    global_defs: m('[global] and defaults of [[vrrp_instance]]'),
    virtual_server: m('[[virtual_server]]'),
    virtual_server_group: m('one [[virtual_server]] per address/port and fwmark of the group'),
    vrrp_instance: m('[[vrrp_instance]]'),
    vrrp_script: m('`vrrp_instance.track_script` (inline, for every instance that tracks it)'),
    vrrp_sync_group: m(
      "its track_interface/track_script go to every member; the group's joint transitions are reported",
    ),
    include: m('read like keepalived (glob, relative to the including file)'),
    includer: m('read; an unreadable match stops the import'),
    includem: m('read; no match stops the import (unless a wildcard)'),
    includew: m('read; no match stops the import'),
    includeb: m('read; a brace expansion without a match stops the import'),
    includea: m('read with every include check'),
    '~SEQ': m('expanded when read (also ~SEQx), like keepalived'),
    '~LST': m('expanded when read, like keepalived'),
    SSL: no(
      "keepalived's SSL_GET verifies no certificate, so the CA is unused; lvsd presents no client certificate",
      'leave it out; `virtual_server.check.tls_verify` = true with `virtual_server.check.ca_file` verifies the servers',
    ),
    net_namespace: NS,
    net_namespace_ipvs: NS,
    namespace_with_ipsets: NS,
    instance: no("names keepalived's pid files; lvsd has none", 'run several lvsd with different control sockets'),
    use_pid_dir: no('lvsd writes no pid file', 'systemd tracks the process'),
    child_wait_time: PROC,
    linkbeat_use_polling: no('lvsd follows links with netlink events only', 'nothing'),
    linkbeat_interfaces: no('lvsd follows links with netlink events only', 'nothing'),
    track_group: STATIC,
    static_ipaddress: STATIC,
    static_routes: STATIC,
    static_rules: STATIC,
    track_file: BLOCK_VRRP_TRACK,
    vrrp_track_file: BLOCK_VRRP_TRACK,
    vrrp_track_process: BLOCK_VRRP_TRACK,
    bfd_instance: no('lvsd has no BFD', 'use a track_script or a faster advert_interval'),
    garp_group: GARP_EXTRA,
    interface_up_down_delays: no(
      'lvsd reacts to link changes at once',
      'debounce in the network layer, or use track_interface with a weight instead of a fault',
    ),
  },
  global_defs: {
    router_id: m('`global.router_id`'),
    vrrp_version: m('`vrrp_instance.version` of instances that do not set it'),
    vrrp_garp_master_delay: m('`vrrp_instance.garp_master_delay` of instances that do not set it'),
    vrrp_garp_master_repeat: m('`vrrp_instance.garp_master_repeat` of instances that do not set it'),
    vrrp_garp_master_refresh: m('`vrrp_instance.garp_master_refresh` of instances that do not set it'),
    vrrp_garp_interval: m('`vrrp_instance.garp_interval` of IPv4 instances'),
    vrrp_gna_interval: m('`vrrp_instance.garp_interval` of IPv6 instances'),
    vrrp_min_garp: m('`vrrp_instance.garp_master_repeat` = 1, `vrrp_instance.garp_master_delay` = "0s"'),
    lvs_flush_on_stop: m('`global.on_shutdown` = "remove" (what keepalived does on stop anyway)'),
    lvs_flush_onstop: m('`global.on_shutdown` = "remove"'),
    dynamic_interfaces: m('lvsd always waits in FAULT for an interface that appears later'),
    include_check: m('applied to the includes that follow, like keepalived'),
    lvs_sync_daemon: m(
      '[sync]: `sync.interface`, `sync.vrrp_instances` (the instance; without one keepalived runs both daemons, reported), `sync.sync_id` (written only when it is not the VRID), `sync.maxlen`, `sync.port`, `sync.ttl`, `sync.group`; values lvsd refuses (maxlen below 1024) are reported and left out',
    ),
    lvs_timeouts: no('lvsd does not change IPVS timeouts', 'set them once with `ipvsadm --set TCP TCPFIN UDP`'),
    lvs_flush: no(
      'lvsd never flushes: it adopts the table and only changes services it owns',
      'run `ipvsadm -C` before the first start if the table must be empty',
    ),
    notification_email: MAIL,
    notification_email_from: MAIL,
    smtp_server: MAIL,
    smtp_helo_name: MAIL,
    smtp_connect_timeout: MAIL,
    smtp_alert: MAIL,
    smtp_alert_vrrp: MAIL,
    smtp_alert_checker: MAIL,
    no_email_faults: MAIL,
    no_checker_emails: MAIL,
    checker_log_all_failures: CHECK_LOG,
    process_names: PROC,
    process_name: PROC,
    vrrp_process_name: PROC,
    checker_process_name: PROC,
    lvs_process_name: PROC,
    bfd_process_name: PROC,
    startup_script: no('lvsd runs no start/stop scripts', 'use ExecStartPre= / ExecStopPost= in the systemd unit'),
    startup_script_timeout: no('lvsd runs no start/stop scripts', 'use ExecStartPre= / ExecStopPost= and TimeoutSec='),
    shutdown_script: no('lvsd runs no start/stop scripts', 'use ExecStopPost= in the systemd unit'),
    shutdown_script_timeout: no('lvsd runs no start/stop scripts', 'use ExecStopPost= and TimeoutStopSec='),
    max_auto_priority: PROC,
    min_auto_priority_delay: PROC,
    vrrp_priority: PROC,
    vrrp_no_swap: PROC,
    vrrp_rt_priority: PROC,
    vrrp_cpu_affinity: PROC,
    vrrp_rlimit_rttime: PROC,
    vrrp_rlimit_rtime: PROC,
    checker_priority: PROC,
    checker_no_swap: PROC,
    checker_rt_priority: PROC,
    checker_cpu_affinity: PROC,
    checker_rlimit_rttime: PROC,
    checker_rlimit_rtime: PROC,
    bfd_priority: PROC,
    bfd_no_swap: PROC,
    bfd_rt_priority: PROC,
    bfd_cpu_affinity: PROC,
    bfd_rlimit_rttime: PROC,
    bfd_rlimit_rtime: PROC,
    default_interface: no('lvsd puts a VIP on its instance interface unless the VIP names a dev', 'set dev on the VIP'),
    disable_local_igmp: no('lvsd creates no VMAC interfaces, whose IGMP this is about', 'nothing'),
    vrrp_mcast_group4: no(
      'lvsd uses the standard group 224.0.0.18',
      'use unicast_peer if the standard group is a problem',
    ),
    vrrp_mcast_group6: no(
      'lvsd uses the standard group ff02::12',
      'use unicast_peer if the standard group is a problem',
    ),
    vrrp_garp_master_refresh_repeat: GARP_EXTRA,
    vrrp_garp_lower_prio_delay: GARP_EXTRA,
    vrrp_garp_lower_prio_repeat: GARP_EXTRA,
    vrrp_garp_extra_if: GARP_EXTRA,
    vrrp_vmac_garp_intvl: GARP_EXTRA,
    vrrp_down_timer_adverts: no(
      'lvsd keeps the RFC master-down interval (3 adverts + skew)',
      'lower advert_interval for a faster takeover',
    ),
    vrrp_lower_prio_no_advert: no('lvsd answers a lower-priority advert as RFC 5798 says', 'nothing'),
    vrrp_higher_prio_send_advert: no('lvsd steps down without a last advert', 'nothing'),
    vrrp_iptables: FIREWALL,
    vrrp_ipsets: FIREWALL,
    nftables: FIREWALL,
    nftables_priority: FIREWALL,
    nftables_ifindex: FIREWALL,
    nftables_counters: FIREWALL,
    nftables_ipvs: no(
      'lvsd programs one IPVS service per group address (no fwmark rules)',
      'nothing; or write the fwmark rules yourself and use a fwmark virtual_server',
    ),
    nftables_ipvs_priority: FIREWALL,
    nftables_ipvs_start_fwmark: FIREWALL,
    vrrp_check_unicast_src: no(
      'lvsd accepts unicast adverts from any source with the right VRID and auth',
      'filter with nftables',
    ),
    vrrp_skip_check_adv_addr: no('lvsd checks every advert the same way', 'nothing'),
    vrrp_strict: no(
      'lvsd has no strict mode (it allows unicast, authentication and preempt_delay, and accepts VIP traffic)',
      'nothing, unless you need no_accept: then add firewall rules',
    ),
    notify_fifo: FIFO,
    notify_fifo_script: FIFO,
    vrrp_notify_fifo: FIFO,
    vrrp_notify_fifo_script: FIFO,
    vrrp_notify_priority_changes: FIFO,
    fifo_write_vrrp_states_on_reload: FIFO,
    lvs_notify_fifo: FIFO,
    lvs_notify_fifo_script: FIFO,
    snmp_socket: SNMP,
    enable_traps: SNMP,
    enable_snmp_vrrp: SNMP,
    enable_snmp_keepalived: SNMP,
    enable_snmp_rfc: SNMP,
    enable_snmp_rfcv2: SNMP,
    enable_snmp_rfcv3: SNMP,
    enable_snmp_checker: SNMP,
    enable_dbus: DBUS,
    dbus_service_name: DBUS,
    script_user: SCRIPT_USER,
    enable_script_security: no(
      'lvsd runs scripts as its own unprivileged user and never through a shell',
      'keep scripts writable by root only',
    ),
    vrrp_netlink_cmd_rcv_bufs: NLBUF,
    vrrp_netlink_cmd_rcv_bufs_force: NLBUF,
    vrrp_netlink_monitor_rcv_bufs: NLBUF,
    vrrp_netlink_monitor_rcv_bufs_force: NLBUF,
    process_monitor_rcv_bufs: NLBUF,
    process_monitor_rcv_bufs_force: NLBUF,
    lvs_netlink_cmd_rcv_bufs: NLBUF,
    lvs_netlink_cmd_rcv_bufs_force: NLBUF,
    lvs_netlink_monitor_rcv_bufs: NLBUF,
    lvs_netlink_monitor_rcv_bufs_force: NLBUF,
    vrrp_rx_bufs_policy: NLBUF,
    vrrp_rx_bufs_multiplier: NLBUF,
    rs_init_notifies: RS_NOTIFY,
    vrrp_startup_delay: no(
      'lvsd starts its instances at once (in BACKUP)',
      'delay the service start (systemd ExecStartPre=/bin/sleep N)',
    ),
    log_unknown_vrids: no('lvsd ignores adverts for other VRIDs silently', 'tcpdump -ni IF vrrp'),
    vmac_prefix: VMAC,
    vmac_addr_prefix: VMAC,
    umask: no('lvsd creates its socket 0600 and its state file itself', 'systemd UMask='),
    random_seed: no('lvsd has no ${_RANDOM}; the import used fixed values', 'nothing'),
    reload_check_config: no('lvsd always validates a new config before it reloads', 'nothing'),
    reload_time_file: RELOAD,
    reload_repeat: RELOAD,
    reload_file: RELOAD,
    config_save_dir: no('lvsd keeps no copies of its config', 'keep the TOML in version control'),
    tmp_config_directory: no('lvsd reads its config in one pass', 'nothing'),
    data_use_instance: no('lvsd writes no SIGUSR1 data files', '`lvsctl status --json`'),
  },
  vrrp_script: {
    script: m('`vrrp_instance.track_script` argv (split like keepalived: quotes and escapes, no shell)'),
    interval: m('`vrrp_instance.track_script` interval'),
    timeout: m('`vrrp_instance.track_script` timeout (keepalived: the interval when unset)'),
    weight: m('`vrrp_instance.track_script` weight (a track_script entry can override it)'),
    rise: m('`vrrp_instance.track_script` rise'),
    fall: m('`vrrp_instance.track_script` fall'),
    user: SCRIPT_USER,
    init_fail: no(
      'lvsd counts a script as passing until its first run says otherwise',
      'set fall = 1 for a quick first verdict',
    ),
  },
  vrrp_sync_group: {
    group: m('reported: lvsd instances move independently'),
    track_interface: m('added to every member instance'),
    track_script: m('added to every member instance'),
    track_file: BLOCK_VRRP_TRACK,
    track_process: BLOCK_VRRP_TRACK,
    track_bfd: no('lvsd has no BFD', 'use a track_script'),
    notify_master: NOTIFY_EXTRA,
    notify_backup: NOTIFY_EXTRA,
    notify_fault: NOTIFY_EXTRA,
    notify_stop: NOTIFY_EXTRA,
    notify: NOTIFY_EXTRA,
    smtp_alert: MAIL,
    global_tracking: m('tracking is per instance in lvsd; the group tracking is copied to every member'),
    sync_group_tracking_weight: m('weights are kept per instance (lvsd has no group weight rule)'),
    notify_priority_changes: FIFO,
  },
  vrrp_instance: {
    interface: m('`vrrp_instance.interface`'),
    state: m(
      'nothing to write: the priority decides (keepalived also starts every instance but the address owner in BACKUP)',
    ),
    virtual_router_id: m('`vrrp_instance.virtual_router_id`'),
    priority: m('`vrrp_instance.priority` (state MASTER without priority: 255, like keepalived)'),
    version: m('`vrrp_instance.version`'),
    advert_int: m('`vrrp_instance.advert_interval`'),
    nopreempt: m('`vrrp_instance.preempt` = false'),
    preempt: m('`vrrp_instance.preempt` = true (the default)'),
    preempt_delay: m('`vrrp_instance.preempt_delay`'),
    unicast_src_ip: m('`vrrp_instance.unicast_src_ip`'),
    mcast_src_ip: m('`vrrp_instance.unicast_src_ip` (lvsd sends every advert from it)'),
    unicast_peer: m('`vrrp_instance.unicast_peers`'),
    authentication: m('`vrrp_instance.authentication` (PASS; AH is reported)'),
    virtual_ipaddress: m('`vrrp_instance.virtual_ipaddress` (address/prefix, dev, label)'),
    track_interface: m('`vrrp_instance.track_interface`'),
    track_script: m('`vrrp_instance.track_script` (the vrrp_script inlined)'),
    notify_master: m('`vrrp_instance.notify` master'),
    notify_backup: m('`vrrp_instance.notify` backup'),
    notify_fault: m('`vrrp_instance.notify` fault'),
    notify_stop: m('`vrrp_instance.notify` stop'),
    notify: m(
      '`vrrp_instance.notify` (master, backup, fault, stop), each with keepalived\'s arguments "INSTANCE NAME STATE PRIORITY"',
    ),
    garp_master_delay: m('`vrrp_instance.garp_master_delay`'),
    garp_master_repeat: m('`vrrp_instance.garp_master_repeat`'),
    garp_master_refresh: m('`vrrp_instance.garp_master_refresh`'),
    accept: m('lvsd always accepts traffic to its VIPs'),
    native_ipv6: m('the family comes from the VIPs'),
    lvs_sync_daemon_interface: m(
      '[sync] following this instance: `sync.interface`, `sync.vrrp_instances`, `sync.sync_id` = 0 (keepalived uses 0 here, not the VRID)',
    ),
    use_vmac: VMAC,
    use_vmac_addr: VMAC,
    vmac_xmit_base: VMAC,
    use_ipvlan: VMAC,
    unicast_fault_no_peer: no('lvsd uses multicast when unicast_peers is empty', 'list the peers'),
    check_unicast_src: no(
      'lvsd accepts unicast adverts from any source with the right VRID and auth',
      'filter with nftables',
    ),
    old_unicast_checksum: no('lvsd computes the RFC checksum (and accepts both on receive)', 'nothing'),
    vrf: no('lvsd binds to the instance interface, not a VRF', 'run lvsd inside the VRF (ip vrf exec)'),
    dont_track_primary: no('lvsd always treats its own interface going down as a fault', 'nothing'),
    track_file: BLOCK_VRRP_TRACK,
    track_process: BLOCK_VRRP_TRACK,
    track_bfd: no('lvsd has no BFD', 'use a track_script'),
    mcast_dst_ip: no('lvsd uses the standard multicast groups', 'use unicast_peer'),
    track_src_ip: no('lvsd takes the source address from unicast_src_ip or the interface', 'nothing'),
    unicast_ttl: no('lvsd sends unicast adverts with TTL 255, as the RFC requires', 'nothing'),
    virtual_ipaddress_excluded: no(
      'lvsd has no excluded VIPs: every VIP is in the advert',
      'move them into virtual_ipaddress (all of one family), or a second instance for the other family',
    ),
    promote_secondaries: no('lvsd does not change interface sysctls', 'sysctl net.ipv4.conf.IF.promote_secondaries=1'),
    linkbeat_use_polling: no('lvsd follows links with netlink events only', 'nothing'),
    virtual_routes: STATIC,
    virtual_rules: STATIC,
    no_accept: FIREWALL,
    skip_check_adv_addr: no('lvsd checks every advert the same way', 'nothing'),
    strict_mode: no('lvsd has no strict mode', 'nothing, unless you need no_accept: then add firewall rules'),
    debug: no('lvsd logs at `global.log_level`', '`global.log_level` = "debug"'),
    notify_deleted: NOTIFY_EXTRA,
    notify_master_rx_lower_pri: NOTIFY_EXTRA,
    smtp_alert: MAIL,
    notify_priority_changes: FIFO,
    garp_master_refresh_repeat: GARP_EXTRA,
    garp_lower_prio_delay: GARP_EXTRA,
    garp_lower_prio_repeat: GARP_EXTRA,
    garp_extra_if: GARP_EXTRA,
    vmac_garp_intvl: GARP_EXTRA,
    down_timer_adverts: no('lvsd keeps the RFC master-down interval', 'lower advert_interval'),
    lower_prio_no_advert: no('lvsd answers a lower-priority advert as RFC 5798 says', 'nothing'),
    higher_prio_send_advert: no('lvsd steps down without a last advert', 'nothing'),
    kernel_rx_buf_size: NLBUF,
  },
  authentication: {
    auth_type: m('`vrrp_instance.authentication` type = "pass" (AH is reported)'),
    auth_pass: m('`vrrp_instance.authentication` password (keepalived sends the first 8 characters)'),
  },
  virtual_server: {
    lb_algo: m('`virtual_server.scheduler`'),
    lvs_sched: m('`virtual_server.scheduler`'),
    lb_kind: m('`virtual_server.forwarding`'),
    lvs_method: m('`virtual_server.forwarding`, tun_type, tun_port, tun_flags'),
    protocol: m('`virtual_server.protocol` (keepalived: UDP when unset for an address service)'),
    persistence_timeout: m('`virtual_server.persistence` (no value: 360s)'),
    persistence_granularity: m('`virtual_server.persistence_netmask`'),
    persistence_engine: m('`virtual_server.persistence_engine`'),
    ops: m('`virtual_server.one_packet`'),
    'sh-port': m('`virtual_server.scheduler_flags`'),
    'sh-fallback': m('`virtual_server.scheduler_flags`'),
    'mh-port': m('`virtual_server.scheduler_flags`'),
    'mh-fallback': m('`virtual_server.scheduler_flags`'),
    'flag-1': m('`virtual_server.scheduler_flags` (sh-fallback/mh-fallback with sh/mh)'),
    'flag-2': m('`virtual_server.scheduler_flags` (sh-port/mh-port with sh/mh)'),
    quorum: m('`virtual_server.quorum`'),
    hysteresis: m('`virtual_server.quorum_hysteresis`'),
    sorry_server: m('`virtual_server.sorry_server`'),
    inhibit_on_failure: m('`virtual_server.on_failure` = "weight0" (without it: "remove")'),
    alpha: m('`virtual_server.check.initial` = "down"'),
    delay_loop: m('`virtual_server.check.interval`'),
    retry: m('`virtual_server.check.retries`'),
    delay_before_retry: m('`virtual_server.check.retry_delay`'),
    connect_timeout: m('`virtual_server.check.timeout`'),
    warmup: m('`virtual_server.check.warmup`'),
    virtualhost: m('`virtual_server.check.host` of its HTTP checks'),
    weight: m('`virtual_server.real_server.weight` of its real servers that do not set one'),
    ip_family: m('`virtual_server.family`'),
    snmp_name: m('`virtual_server.name`'),
    real_server: m('[[`virtual_server.real_server`]]'),
    'flag-3': no('no IPVS scheduler uses flag-3', 'leave it out'),
    hashed: no('the kernel sets IP_VS_SVC_F_HASHED itself', 'leave it out'),
    ha_suspend: HA_SUSPEND,
    smtp_alert: MAIL,
    omega: QUORUM_NOTIFY,
    quorum_up: QUORUM_NOTIFY,
    quorum_down: QUORUM_NOTIFY,
    sorry_server_inhibit: no('lvsd removes the sorry server when the quorum is back', 'nothing'),
    sorry_server_lvs_method: no(
      "lvsd's sorry server uses the virtual server's forwarding",
      'make the sorry server reachable with that method',
    ),
  },
  real_server: {
    weight: m('`virtual_server.real_server.weight` (0-65535)'),
    lvs_method: m('`virtual_server.real_server.forwarding`'),
    uthreshold: m('`virtual_server.real_server.upper_threshold`'),
    lthreshold: m('`virtual_server.real_server.lower_threshold`'),
    inhibit_on_failure: m('`virtual_server.on_failure` (lvsd sets it per virtual server)'),
    alpha: m('`virtual_server.check.initial` = "down"'),
    delay_loop: m('`virtual_server.check.interval`'),
    retry: m('`virtual_server.check.retries`'),
    delay_before_retry: m('`virtual_server.check.retry_delay`'),
    connect_timeout: m('`virtual_server.check.timeout`'),
    warmup: m('`virtual_server.check.warmup`'),
    virtualhost: m('`virtual_server.check.host`'),
    TCP_CHECK: m('`virtual_server.check.type` = "tcp"'),
    HTTP_GET: m('`virtual_server.check.type` = "http"'),
    SSL_GET: m(
      '`virtual_server.check.type` = "https" with `virtual_server.check.tls_verify` = false (keepalived verifies no certificate)',
    ),
    MISC_CHECK: m('`virtual_server.check.type` = "script"'),
    DNS_CHECK: m('`virtual_server.check.type` = "dns"'),
    UDP_CHECK: m('`virtual_server.check.type` = "udp"'),
    PING_CHECK: m('`virtual_server.check.type` = "icmp"'),
    SMTP_CHECK: m('`virtual_server.check.type` = "tcp" expecting the "220" greeting (the HELO exchange is reported)'),
    notify_up: RS_NOTIFY,
    notify_down: RS_NOTIFY,
    smtp_alert: MAIL,
    snmp_name: SNMP_NAME_RS,
    FILE_CHECK: no(
      'lvsd has no file checker',
      'a script check (`test "$(cat FILE)" = 0`), or `lvsctl drain` / `lvsctl enable` for maintenance',
    ),
    BFD_CHECK: no('lvsd has no BFD', 'a tcp or icmp check with a short interval'),
  },
  TCP_CHECK: CHECKER_COMMON,
  PING_CHECK: CHECKER_COMMON,
  HTTP_GET: HTTP,
  SSL_GET: HTTP,
  url: {
    path: m('`virtual_server.check.path`'),
    digest: m('`virtual_server.check.expect_digest` (an MD5 of the body, 32 hex digits, like genhash)'),
    status_code: m('`virtual_server.check.expect_status` (keepalived default 200-299)'),
    virtualhost: m('`virtual_server.check.host`'),
    regex: m(
      '`virtual_server.check.expect_body` (a JavaScript regular expression; PCRE-only syntax is reported by --check)',
    ),
    regex_no_match: no('lvsd has no negated body match', 'a script check with `curl ... | grep -v`'),
    regex_options: no('lvsd has no regex options', 'write them into the expression (e.g. [Aa] for caseless)'),
    regex_min_offset: no('lvsd matches the whole body it reads (max_body_bytes)', 'nothing'),
    regex_max_offset: no('lvsd matches the whole body it reads (max_body_bytes)', 'nothing'),
    regex_stack: no('JavaScript regular expressions need no stack setting', 'nothing'),
  },
  SMTP_CHECK: {
    ...CHECKER_COMMON,
    helo_name: no(
      'the lvsd tcp check only reads the 220 greeting; it sends no HELO',
      'a script check for the full exchange',
    ),
    host: no('lvsd runs one check per real server', 'use connect_ip / connect_port for the one host to check'),
  },
  DNS_CHECK: {
    ...CHECKER_COMMON,
    type: m('`virtual_server.check.query_type` (keepalived default SOA)'),
    name: m('`virtual_server.check.name` (keepalived default ".")'),
  },
  MISC_CHECK: {
    ...CHECKER_COMMON,
    misc_path: m('`virtual_server.check.command` (argv split like keepalived, no shell)'),
    misc_timeout: m('`virtual_server.check.timeout` (keepalived default: the delay_loop)'),
    misc_dynamic: m('`virtual_server.check.dynamic`'),
    user: SCRIPT_USER,
  },
  UDP_CHECK: {
    ...CHECKER_COMMON,
    payload: m('`virtual_server.check.payload_hex`'),
    require_reply: m(
      '`virtual_server.check.require_reply` (with hex: `virtual_server.check.expect_hex`; X wildcards are reported)',
    ),
    min_reply_length: no('lvsd checks the reply content, not its length', 'expect_hex with the leading bytes'),
    max_reply_length: no('lvsd checks the reply content, not its length', 'expect_hex with the leading bytes'),
  },
};

/** Every (block, keyword) pair the importer knows. */
export function allKeywords(): Array<{ block: string; keyword: string; entry: Keyword }> {
  return Object.entries(KEYWORDS).flatMap(([block, kws]) =>
    Object.entries(kws).map(([keyword, entry]) => ({ block, keyword, entry })),
  );
}
