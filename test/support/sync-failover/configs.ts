/**
 * The directors' configs of the connection-sync failover scenario, as shell that writes them into
 * $W (lb1 priority 150, lb2 100; one VRRP instance carrying the VIP, and in NAT the backends'
 * gateway 10.0.2.1 on eth1; one virtual server VIP:9000 over the three backends).
 */
import { PORT, VIP, VRID, type FailoverOptions } from './scenario.js';
import { topologyNames } from './topology.js';

const PRIORITY: Record<string, number> = { lb1: 150, lb2: 100 };

function duration(ms: number): string {
  return `${ms}ms`;
}

/** lvsd's config for `lb`: with sync, a [sync] section following the instance (sync on eth0). */
export function lvsdToml(o: FailoverOptions, lb: 'lb1' | 'lb2'): string {
  const t = topologyNames(o.forwarding);
  const vips =
    o.forwarding === 'nat' ? `["${VIP}/24", { address = "10.0.2.1", prefix = 24, dev = "eth1" }]` : `["${VIP}/24"]`;
  const rs = t.backendAddrs
    .map((a) => `  [[virtual_server.real_server]]\n  address = "${a}"\n  port = ${PORT}\n  weight = 1\n`)
    .join('');
  const sync = o.sync
    ? `\n[sync]\ninterface = "eth0"\nvrrp_instances = ["VI_SYNC"]\nstartup_delay = "${duration(o.syncDelayMs)}"\n`
    : '';
  return `[global]
router_id = "${lb}"
control_socket = "$W/${lb}.sock"
state_file = "$W/${lb}.state.json"
resync_interval = "5s"
on_shutdown = "keep"

[[virtual_server]]
name = "long"
address = "${VIP}"
port = ${PORT}
scheduler = "rr"
forwarding = "${o.forwarding}"
  [virtual_server.check]
  type = "tcp"
  interval = "1s"
  timeout = "500ms"
${rs}
[[vrrp_instance]]
name = "VI_SYNC"
interface = "eth0"
virtual_router_id = ${VRID}
priority = ${PRIORITY[lb]}
version = 3
advert_interval = "${duration(o.advertMs)}"
preempt = true
virtual_ipaddress = ${vips}
${sync}`;
}

/** Shell writing lb1.toml and lb2.toml into $W, with $W expanded. */
export function lvsdConfigs(o: FailoverOptions): string {
  return (['lb1', 'lb2'] as const).map((lb) => `cat > "$W/${lb}.toml" <<TOML\n${lvsdToml(o, lb)}TOML`).join('\n');
}

/** keepalived 2.2.7's config for `lb`: the same VRRP instance and virtual server; sync by its lvs_sync_daemon. */
export function keepalivedConf(o: FailoverOptions, lb: 'lb1' | 'lb2'): string {
  const t = topologyNames(o.forwarding);
  const vips = o.forwarding === 'nat' ? `${VIP}/24 dev eth0\n    10.0.2.1/24 dev eth1` : `${VIP}/24 dev eth0`;
  const kind = o.forwarding === 'nat' ? 'NAT' : 'DR';
  const rs = t.backendAddrs
    .map((a) => `  real_server ${a} ${PORT} {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }`)
    .join('\n');
  return `global_defs {
  router_id ${lb}
  vrrp_version ${o.advertMs < 1000 ? 3 : 2}
${o.sync ? `  lvs_sync_daemon eth0 VI_SYNC id ${VRID}\n` : ''}}
vrrp_instance VI_SYNC {
  state BACKUP
  interface eth0
  virtual_router_id ${VRID}
  priority ${PRIORITY[lb]}
  advert_int ${o.advertMs / 1000}
${o.sync && o.syncDelayMs > 0 && lb === 'lb1' ? `  preempt_delay ${Math.round(o.syncDelayMs / 1000)}\n` : ''}  virtual_ipaddress {
    ${vips}
  }
}
virtual_server ${VIP} ${PORT} {
  delay_loop 1
  lb_algo rr
  lb_kind ${kind}
  protocol TCP
${rs}
}
`;
}

/** Shell writing lb1.conf and lb2.conf into $W. */
export function keepalivedConfigs(o: FailoverOptions): string {
  return (['lb1', 'lb2'] as const)
    .map((lb) => `cat > "$W/${lb}.conf" <<'CONF'\n${keepalivedConf(o, lb)}CONF`)
    .join('\n');
}
