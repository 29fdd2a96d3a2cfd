/**
 * The guest script of the runtime-control kernel test (UML, real IPVS): lvsd in the director
 * namespace over three backends; every lvsctl operation, then `ipvsadm -Ln` read back; results as
 * key=value lines in $OUT/results.txt and command outputs in $OUT/w/ (read with daemon-results.ts).
 * With `latencyRounds`, it also times `lvsctl weight` (request → the daemon's answer, which comes
 * after the kernel acked the write) against `ipvsadm -e` of the same weight, interleaved, for
 * bench/control-latency.ts.
 */
import { topologyScript } from '../support/uml.js';

const VIP = '10.0.1.100';
/** The backends' addresses in the standard topology. */
export const RS = ['10.0.2.11:80', '10.0.2.12:80', '10.0.2.13:80'];

/** The guest script. */
export function runtimeControlScript(o: { latencyRounds?: number } = {}): string {
  const topo = topologyScript(3, 'r');
  const servers = RS.map((rs) => {
    const [a, p] = rs.split(':');
    return `  [[virtual_server.real_server]]\n  address = "${a}"\n  port = ${p}\n  weight = 100\n`;
  }).join('');
  const config = `[global]
router_id = "uml"
control_socket = "$W/lvsd.sock"
state_file = "$W/state.json"
resync_interval = "2s"
[[virtual_server]]
name = "web"
address = "${VIP}"
port = 80
scheduler = "wrr"
slow_start = "4s"
  [virtual_server.check]
  type = "http"
  path = "/"
  interval = "500ms"
  timeout = "300ms"
  rise = 1
  fall = 2
  warmup = false
${servers}`;
  return `set +e
W="$OUT/w"; mkdir -p "$W"
D="ip netns exec ${topo.director}"
LV="$LVSD_ROOT/bin/lvsd"; CTL="$LVSD_ROOT/bin/lvsctl"
R="$OUT/results.txt"; : > "$R"
res() { echo "$1=$2" >> "$R"; }
ms() { date +%s%3N; }
waitfor() { n=$1; shift; i=0; while [ $i -lt $n ]; do if "$@" >/dev/null 2>&1; then return 0; fi; sleep 0.1; i=$((i+1)); done; return 1; }
weight() { $D ipvsadm -Ln -t ${VIP}:80 2>/dev/null | awk -v rs="$1" '$2==rs {print $4}'; }
hasweight() { [ "$(weight "$1")" = "$2" ]; }
ctl() { name=$1; shift; $D "$CTL" -s "$W/lvsd.sock" "$@" > "$W/$name.txt" 2>&1; res "$name" $?; }
${topo.script}
cat > "$W/lvsd.toml" <<TOML
${config}
TOML
start_lvsd() { $D "$LV" -f "$W/lvsd.toml" >> "$W/lvsd.log" 2>&1 & LVPID=$!; waitfor 150 grep -q '"lvsd started"' "$W/lvsd.log"; }
start_lvsd; res started $?
waitfor 100 hasweight ${RS[2]} 100; res converged $?
# drain: weight 0, and still there after two resyncs (kept, not deleted)
ctl drain state web ${RS[0]} drain
res drain_w "$(weight ${RS[0]})"
sleep 5; res drain_kept_w "$(weight ${RS[0]})"
# maint: removed from the table
ctl maint state web ${RS[1]} maint
res maint_w "$(weight ${RS[1]})"
# weight override, a percentage, and reset
ctl weight7 weight web ${RS[2]} 7
res weight7_w "$(weight ${RS[2]})"
ctl weight50pct weight web ${RS[2]} 50%
res weight50pct_w "$(weight ${RS[2]})"
ctl show show web --state drain
# ready after drain: through slow start (weights ramp over 4 s)
ctl ready state web ${RS[0]} ready
: > "$W/ramp.txt"; i=0; while [ $i -lt 30 ]; do echo "$(weight ${RS[0]})" >> "$W/ramp.txt"; sleep 0.2; i=$((i+1)); done
ctl back state web ${RS[1]} ready
waitfor 50 hasweight ${RS[1]} 100; res back_rc $?
ctl reset weight web ${RS[2]} reset
res reset_w "$(weight ${RS[2]})"
# a whole virtual server
ctl vsdrain state web drain
res vsdrain_w "$(weight ${RS[0]}) $(weight ${RS[1]}) $(weight ${RS[2]})"
ctl vsready state web ready
ctl check check web
# overrides survive a restart (state file)
ctl restart_drain state web ${RS[2]} drain
kill -TERM $LVPID; wait $LVPID; res stop_code $?
start_lvsd; res restarted $?
sleep 3; res restart_w "$(weight ${RS[2]})"
$D ipvsadm -Ln > "$W/final.txt"
${o.latencyRounds ? latency(o.latencyRounds) : ''}
kill -TERM $LVPID; wait $LVPID
exit 0
`;
}

/** Interleaved rounds: lvsctl weight (w alternating 11/12) vs ipvsadm -e on another server. */
function latency(n: number): string {
  return `# ---- latency: lvsctl weight -> answered (after the kernel write) vs ipvsadm -e
# the anchor edits a service lvsd does not own (lvsd would repair its own table)
$D ipvsadm -A -t 10.0.1.200:80 -s wrr; $D ipvsadm -a -t 10.0.1.200:80 -r 10.0.2.99:80 -m -w 1
: > "$W/latency.txt"
i=0; while [ $i -lt ${n} ]; do
  w=$((11 + i % 2))
  t0=$(date +%s%N); $D "$CTL" -s "$W/lvsd.sock" weight web ${RS[0]} $w >/dev/null 2>&1; t1=$(date +%s%N)
  hasweight ${RS[0]} $w; ok=$?
  t2=$(date +%s%N); $D ipvsadm -e -t 10.0.1.200:80 -r 10.0.2.99:80 -m -w $w; t3=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 )) $(( (t3 - t2) / 1000 )) $ok" >> "$W/latency.txt"
  i=$((i+1))
done`;
}
