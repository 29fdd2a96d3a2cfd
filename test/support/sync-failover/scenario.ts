/**
 * The guest script of the connection-sync failover proof (kernel tier) and benchmark, one UML boot:
 *
 *   NAT:  cli 10.0.1.2 ─┐                 ┌─ b1 10.0.2.11   (default route via 10.0.2.1,
 *         lb1 .11 eth0 ─┼─ fsc (VIP .100) │  b2 10.0.2.12    a VIP of the same VRRP instance)
 *         lb2 .12 eth0 ─┘                 ├─ b3 10.0.2.13
 *         lb1 10.0.2.2 eth1, lb2 .3 eth1 ─┴─ fsb
 *   DR:   one segment fsc holds everything (10.0.1.0/24); backends .21-.23 hold the VIP on lo.
 *
 * lb1 (priority 150) and lb2 (100) run the directors (lvsd, or keepalived 2.2.7 for the benchmark)
 * with one VRRP instance (VRID 51, preempt) and one virtual server VIP:9000 over the three
 * backends, which run `long-conns.js serve`. A client keeps N connections exchanging numbered
 * messages (`long-conns.js client`). Then:
 *   crash:    lb1's links go down and its director is killed -9;  lb2 takes the VIP.
 *   return:   lb1 comes back as after a reboot: a fresh namespace (empty IPVS connection table, no
 *             VIPs, no sync daemons) with its links, then its director starts; lb1 preempts lb2.
 * Every observation lands in $OUT/w as a file; `ms` timestamps are the guest's clock, the same as
 * the client's. The script never stops at the first failure (set +e).
 */
import { topologyNames } from './topology.js';

/** How one run is set up. */
export interface FailoverOptions {
  director: 'lvsd' | 'keepalived';
  /** Connection sync: off (the contrast), or on (lvsd's [[sync]]; keepalived's lvs_sync_daemon_interface). */
  sync: boolean;
  forwarding: 'nat' | 'dr';
  conns: number;
  intervalMs: number;
  advertMs: number;
  /** How long traffic runs between the steps, ms. */
  holdMs: number;
  /** lvsd: the returning node's wait for the table before it may preempt (sync.startup_delay). */
  syncDelayMs: number;
  /**
   * Capture the sync traffic lb2 receives for this many seconds while lb1 is master, from when the
   * traffic is steady (packets/s in the benchmark); holdMs must be longer. Cover a whole re-send
   * period: by default the kernel re-sends a connection every 50 of its incoming packets.
   */
  syncCaptureS?: number;
  /** Extra sysctls of both directors, e.g. "net.ipv4.vs.sync_refresh_period=5". */
  sysctls?: string[];
  /** Capture both segments from the return of lb1 to the end (fsc.pcap, fsb.pcap in $W), to study the failback. */
  capture?: boolean;
}

export const VIP = '10.0.1.100';

export const PORT = 9000;
export const VRID = 51;

/**
 * The guest script for `o`; `configs` writes the two directors' configs into $W ($OUT/`dir`). It
 * ends by removing everything it made, so several scenarios can run one after the other in one boot.
 */
export function failoverScript(o: FailoverOptions, configs: string, dir = 'w'): string {
  const t = topologyNames(o.forwarding, o.sysctls);
  const x = (ns: string, cmd: string): string => `ip netns exec ${ns} ${cmd}`;
  const hold = (o.holdMs / 1000).toFixed(1);
  return `set +e
W="$OUT/${dir}"; mkdir -p "$W"
LV="\${LVSD_BIN:-$LVSD_ROOT/bin/lvsd}"; LC="$(dirname "$LV")/../dist/src/lab/long-conns.js"
R="$W/results.txt"; : > "$R"
res() { echo "$1=$2" >> "$R"; }
ms() { date +%s%3N; }
waitfor() { n=$1; shift; i=0; while [ $i -lt $n ]; do if "$@" >/dev/null 2>&1; then return 0; fi; sleep 0.1; i=$((i+1)); done; return 1; }
hasvip() { ip -n $1 -4 addr show dev eth0 | grep -q " ${VIP}/"; }
novip() { ! hasvip $1; }
synced() { ${x('$1', 'cat /proc/net/ip_vs_conn_sync')} 2>/dev/null | grep -c "SYNC" ; }
conns() { ${x('$1', 'cat /proc/net/ip_vs_conn')} 2>/dev/null | grep -c " ESTABLISHED " ; }
status() { cat "$W/status.json" 2>/dev/null; }
dests() { [ "$(${x('$1', 'ipvsadm -Ln')} | grep -cE '^  -> [0-9].*:${PORT} ')" = "$2" ]; }
starts() { cat "$W/$1.log" 2>/dev/null | grep -c '"lvsd started"'; }
started() { [ "$(starts $1)" -gt "$2" ]; }
connected() { status | grep -q '"connected":${o.conns},'; }
replies() { status | sed 's/.*"replies":\\([0-9]*\\).*/\\1/'; }
steady() { [ "$(replies)" -ge $(( ${o.conns} * 15 )) ] 2>/dev/null; }
snap() { echo "== $1 lb1: $(synced lb1) synced, $(conns lb1) established; lb2: $(synced lb2) synced, $(conns lb2) established; client $(status)" >> "$W/timeline.txt"; ${x('lb1', 'ipvsadm -L --daemon')} > "$W/daemons-$1-lb1.txt" 2>&1; ${x('lb2', 'ipvsadm -L --daemon')} > "$W/daemons-$1-lb2.txt" 2>&1; }
ulimit -n 65536
${t.script}
${t.backends.map((b, i) => `${x(b, `node "$LC" serve b${i + 1} ${PORT}`)} > "$W/${b}.log" 2>&1 &`).join('\n')}
for a in ${t.backendAddrs.join(' ')}; do waitfor 200 ${x('lb1', `bash -c "exec 3<>/dev/tcp/$a/${PORT}"`)}; done
${configs}
# ---- start: lb1 master, lb2 backup, the table on both
${directorStart(o, 'lb1')}
waitfor 300 hasvip lb1; res lb1_master $?
${directorStart(o, 'lb2')}
waitfor 300 dests lb2 3; res lb2_table $?
waitfor 300 dests lb1 3; res lb1_table $?
sleep 2; snap start
# ---- traffic
${x(t.client, `node "$LC" client ${VIP}:${PORT} ${o.conns} ${o.intervalMs} "$W/status.json" "$W/client.json" ${Math.max(2000, o.conns)}`)} > "$W/client.log" 2>&1 &
CLI=$!
waitfor 600 connected; res connected $?
waitfor 600 steady; res steady $?
${o.syncCaptureS ? `${x('lb2', `timeout ${o.syncCaptureS} tcpdump -i eth0 -n -q -w "$W/sync-steady.pcap" udp and dst 224.0.0.81`)} >/dev/null 2>&1 &` : ''}
sleep ${hold}
snap before-crash
res before_crash_lb2_synced $(synced lb2)
# ---- crash of lb1: links down, the director killed -9 (every process of the namespace: keepalived has three)
T=$(ms); res crash_ms $T
ip -n lb1 link set eth0 down; ip -n lb1 link set eth1 down 2>/dev/null; ip netns pids lb1 | xargs -r kill -9
waitfor 300 hasvip lb2; res lb2_master $?; res lb2_master_ms $(( $(ms) - T ))
sleep ${hold}
snap after-failover
res after_failover_status "$(status)"
# ---- lb1 returns as after a reboot: a fresh namespace (no IPVS connections, VIPs or sync daemons), then its director
ip netns del lb1
${t.director('lb1', 'r')}
T=$(ms); res return_ms $T
${o.capture ? 'for br in fsc fsb; do timeout 90 tcpdump -i $br -n -s 96 -w "$W/$br.pcap" >/dev/null 2>&1 & done' : ''}
${directorStart(o, 'lb1')}
waitfor 600 hasvip lb1; res lb1_back $?; res lb1_back_ms $(( $(ms) - T )); res lb1_back_at $(ms)
waitfor 100 novip lb2; res lb2_released $?
snap after-failback
res after_failback_lb1_synced $(synced lb1)
sleep ${hold}
snap end
kill -TERM $CLI; waitfor 200 test -f "$W/client.json"; res client_done $?
${o.director === 'lvsd' ? `for n in lb1 lb2; do ${x('$n', `"$LVSD_ROOT/bin/lvsctl" -s "$W/$n.sock" status`)} > "$W/status-$n.txt" 2>&1; done` : ''}
for n in lb1 lb2; do kill -TERM $(cat "$W/$n.pid") 2>/dev/null; done
sleep 2
for n in lb1 lb2 cli ${t.backends.join(' ')}; do ip netns pids $n 2>/dev/null | xargs -r kill -9; ip netns del $n 2>/dev/null; done
ip link del fsc 2>/dev/null; ip link del fsb 2>/dev/null
sleep 1
`;
}

/** Shell starting a director in namespace `lb` (background; its pid in $W/<lb>.pid; log appended). */
function directorStart(o: FailoverOptions, lb: string): string {
  if (o.director === 'keepalived')
    return `ip netns exec ${lb} keepalived -n -l -D -f "$W/${lb}.conf" -p "$W/${lb}.kpid" -r "$W/${lb}.vpid" -c "$W/${lb}.cpid" >> "$W/${lb}.log" 2>&1 & echo $! > "$W/${lb}.pid"`;
  return `N0=$(starts ${lb}); ip netns exec ${lb} "$LV" -f "$W/${lb}.toml" >> "$W/${lb}.log" 2>&1 & echo $! > "$W/${lb}.pid"
waitfor 300 started ${lb} $N0; res ${lb}_started_$N0 $?`;
}
