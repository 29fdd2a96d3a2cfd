/**
 * The guest script of the daemon's kernel tests (UML, real IPVS). One boot runs several scenarios
 * in sequence on one topology (client ns ─ director ns ─ 3 backend ns, see test/support/uml.ts):
 * backends run nginx (master_process off: one process, so kill -9 really kills it) on :80 and
 * dnsmasq on :53 answering x.test with 10.9.9.<n>. lvsd runs in the director namespace, as root or
 * as `nobody` with only CAP_NET_ADMIN + CAP_NET_RAW (setpriv). Every observation goes to $OUT as a
 * file; the host test asserts on them. The script never stops at the first failure (set +e) so one
 * boot reports everything.
 */
import { topologyScript } from '../support/uml.js';
import { CLIENT_JS, STALL_JS } from './daemon-client.js';

/** Which scenarios to run, and as whom. */
export interface ScenarioOptions {
  runAs: 'root' | 'caps';
  phases: Array<'healthy' | 'dies' | 'drift' | 'invalid' | 'reload' | 'crash'>;
}

const VIP = '10.0.1.100';
export const BACKENDS = ['10.0.2.11', '10.0.2.12', '10.0.2.13'];

/** The lvsd config of the scenarios; `v2` is the config of the reload-under-traffic phase. */
export function lvsdConfig(dir: string, v2 = false): string {
  const rs = (port: number, w = (_i: number) => 100, skip = -1) =>
    BACKENDS.filter((_, i) => i !== skip)
      .map((a, i) => `  [[virtual_server.real_server]]\n  address = "${a}"\n  port = ${port}\n  weight = ${w(i)}\n`)
      .join('');
  const http = `  [virtual_server.check]\n  type = "http"\n  path = "/"\n  interval = "500ms"\n  timeout = "300ms"\n  rise = 2\n  fall = 2\n  warmup = false\n`;
  const web = `[[virtual_server]]\nname = "web"\naddress = "${VIP}"\nport = 80\nscheduler = "wrr"\nslow_start = "4s"\n${http}${rs(80)}`;
  const api = v2
    ? `[[virtual_server]]\nname = "api"\naddress = "${VIP}"\nport = 8080\nscheduler = "rr"\n${http}${rs(80, (i) => (i === 0 ? 50 : 100), 2)}`
    : `[[virtual_server]]\nname = "api"\naddress = "${VIP}"\nport = 8080\nscheduler = "wrr"\n${http}${rs(80)}`;
  const dns = `[[virtual_server]]\nname = "dns"\naddress = "${VIP}"\nport = 53\nprotocol = "udp"\nscheduler = "rr"\n  [virtual_server.check]\n  type = "dns"\n  name = "x.test"\n  interval = "500ms"\n  timeout = "300ms"\n  rise = 1\n  fall = 2\n  warmup = false\n${rs(53, () => 1)}`;
  const added = `[[virtual_server]]\nname = "new"\naddress = "${VIP}"\nport = 8081\nscheduler = "lc"\n${rs(80)}`;
  const global = `[global]\nrouter_id = "uml"\ncontrol_socket = "${dir}/lvsd.sock"\nstate_file = "${dir}/state.json"\nresync_interval = "2s"\nremoval = "drain"\ndrain_timeout = "60s"\nmetrics_listen = "127.0.0.1:9405"\n`;
  return [global, web, api, v2 ? added : dns].join('\n');
}

/** The guest script. */
export function scenarioScript(o: ScenarioOptions): string {
  const topo = topologyScript(3, 't', { http: false });
  const runAs =
    o.runAs === 'caps'
      ? 'setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,+net_admin,+net_raw --ambient-caps=-all,+net_admin,+net_raw --bounding-set=-all,+net_admin,+net_raw'
      : '';
  return `set +e
W="$OUT/w"; mkdir -p "$W"; chmod 755 "$OUT"; chmod 777 "$W"
D="ip netns exec ${topo.director}"; C="ip netns exec ${topo.client}"
LV="$LVSD_ROOT/bin/lvsd"
RUNAS="${runAs}"
R="$OUT/results.txt"; : > "$R"
res() { echo "$1=$2" >> "$R"; }
ms() { date +%s%3N; }
waitfor() { n=$1; shift; i=0; while [ $i -lt $n ]; do if "$@" >/dev/null 2>&1; then return 0; fi; sleep 0.1; i=$((i+1)); done; return 1; }
weight() { $D ipvsadm -Ln $1 2>/dev/null | awk -v rs="$2" '$2==rs {print $4}'; }
hasweight() { [ "$(weight "$1" "$2")" = "$3" ]; }
notin() { [ -z "$(weight "$1" "$2")" ]; }
# ms from $1 (guest clock) to the first reconcile lvsd logged after it (the daemon's own record of a write)
# lvsd logs ISO 8601 times: to epoch ms with date(1), same guest clock as ms()
logms() { grep '"msg":"reconciled"' "$W/lvsd.log" | sed 's/.*"time":"\\([^"]*\\)".*/\\1/' | while read -r t; do date -d "$t" +%s%3N; done | awk -v t=$1 '$1>t {print $1-t; exit}'; }
${topo.script}
cat > "$W/client.mjs" <<'JS'
${CLIENT_JS}
JS
cat > "$W/stall.mjs" <<'JS'
${STALL_JS}
JS
: > "$W/stalls.txt"; node "$W/stall.mjs" "$W/stalls.txt" & STALLPID=$!
${backends()}
cat > "$W/v1.toml" <<'TOML'
${lvsdConfig('$W')}
TOML
cat > "$W/v2.toml" <<'TOML'
${lvsdConfig('$W', true)}
TOML
sed -i "s#\\$W#$W#g" "$W/v1.toml" "$W/v2.toml"
cp "$W/v1.toml" "$W/lvsd.toml"; chmod 644 "$W"/*.toml
start_lvsd() { $D $RUNAS "$LV" -f "$W/lvsd.toml" >> "$W/lvsd.log" 2>&1 & LVPID=$!; waitfor 150 grep -q '"lvsd started"' "$W/lvsd.log"; }
lvpid() { echo $LVPID; }
${o.runAs === 'caps' ? 'res caps_before "$($D setpriv --dump 2>&1 | tr "\\n" " ")"' : ''}
$D $RUNAS "$LV" -f "$W/lvsd.toml" --plan > "$W/plan-before.txt" 2>&1; res plan_before_rc $?
T0=$(ms); start_lvsd; res started $?; res start_ms $(( $(ms) - T0 ))
res lvsd_uid "$(awk '/^Uid:/ {print $2}' /proc/$(lvpid)/status 2>/dev/null)"
res lvsd_capeff "$(awk '/^CapEff:/ {print $2}' /proc/$(lvpid)/status 2>/dev/null)"
${o.phases.map((p) => PHASES[p]).join('\n')}
T0=$(ms); kill -TERM $LVPID; wait $LVPID; res stop_code $?; res stop_ms $(( $(ms) - T0 ))
grep -q '"lvsd stopped"' "$W/lvsd.log"; res stopped $?
$D ipvsadm -S -n > "$W/after-stop.txt"
kill $STALLPID
exit 0
`;
}

function backends(): string {
  return (
    BACKENDS.map((a, i) => {
      const n = i + 1;
      return `mkdir -p "$W/ng${n}"
cat > "$W/ng${n}/nginx.conf" <<NGINX
master_process off; daemon off; error_log stderr; pid $W/ng${n}/pid; events { worker_connections 256; }
http { access_log off; keepalive_timeout 120s; server { listen ${a}:80; location / { return 200 "backend b${n}\\n"; } } }
NGINX
ng${n}() { ip netns exec tb${n} nginx -p "$W/ng${n}" -c "$W/ng${n}/nginx.conf" 2>>"$W/ng${n}/err" & }
ng${n}
ip netns exec tb${n} dnsmasq -k --port=53 --no-resolv --no-hosts --listen-address=${a} --bind-interfaces --address=/x.test/10.9.9.${n} --pid-file="$W/dns${n}.pid" -u root 2>>"$W/dns${n}.err" &`;
    }).join('\n') + `\nfor a in ${BACKENDS.join(' ')}; do waitfor 100 $D curl -s -m 1 -o /dev/null http://$a/; done`
  );
}

const PHASES: Record<ScenarioOptions['phases'][number], string> = {
  healthy: `# ---- healthy: exactly the planned table, requests spread
waitfor 100 hasweight "-t ${VIP}:80" 10.0.2.13:80 100; res healthy_converged $?
waitfor 50 hasweight "-u ${VIP}:53" 10.0.2.13:53 1
$D ipvsadm -S -n > "$W/healthy-save.txt"
$D ipvsadm -Ln > "$W/healthy-list.txt"
$D $RUNAS "$LV" -f "$W/lvsd.toml" --plan > "$W/plan-after.txt" 2>&1
$C timeout 120 node "$W/client.mjs" burst 30 41000 > "$W/burst-healthy.json" 2>&1
sleep 3 # the kernel folds per-CPU IPVS counters into the dumped stats every 2 s (estimator)
$D "$LVSD_ROOT/bin/lvsctl" -s "$W/lvsd.sock" status > "$W/status.txt" 2>&1; res status_rc $?
$D curl -s http://127.0.0.1:9405/metrics > "$W/metrics.txt"`,
  dies: `# ---- a backend dies: weight 0 within fall*interval+timeout; restart: slow start
pkill -9 -f "ng2/nginx.conf"; T0=$(ms)
waitfor 100 hasweight "-t ${VIP}:80" 10.0.2.12:80 0; res dies_rc $?; res dies_ms $(( $(ms) - T0 ))
# the daemon's own record: the first reconcile (weight 0 written) after the kill, same guest clock
res dies_t0 $T0; res dies_log_ms "$(logms $T0)"
$C timeout 120 node "$W/client.mjs" burst 12 42000 > "$W/burst-dead.json" 2>&1
ng2; T0=$(ms); : > "$W/slowstart.txt"
i=0; while [ $i -lt 60 ]; do echo "$(( $(ms) - T0 )) $(weight "-t ${VIP}:80" 10.0.2.12:80)" >> "$W/slowstart.txt"; sleep 0.2; i=$((i+1)); done`,
  drift: `# ---- drift: repaired within one resync interval (2s); an unowned service survives
# T0 before each change, so the repair that follows it is logged after T0 (drift_*_log_ms: the daemon's
# record of the write; drift_*_ms: when the guest's ipvsadm polling saw it, slower under load)
$D ipvsadm -A -t 10.0.1.200:80 -s rr; $D ipvsadm -a -t 10.0.1.200:80 -r 10.0.2.11:80 -m -w 3
T0=$(ms); $D ipvsadm -e -t ${VIP}:80 -r 10.0.2.11:80 -m -w 7
waitfor 40 hasweight "-t ${VIP}:80" 10.0.2.11:80 100; res drift_edit_rc $?; res drift_edit_ms $(( $(ms) - T0 )); res drift_edit_log_ms "$(logms $T0)"; res drift_edit_t0 $T0
T0=$(ms); $D ipvsadm -d -t ${VIP}:80 -r 10.0.2.11:80
waitfor 40 hasweight "-t ${VIP}:80" 10.0.2.11:80 100; res drift_del_rc $?; res drift_del_ms $(( $(ms) - T0 )); res drift_del_log_ms "$(logms $T0)"; res drift_del_t0 $T0
$D ipvsadm -S -n > "$W/drift-unowned.txt"
T0=$(ms); $D ipvsadm -C
waitfor 40 hasweight "-t ${VIP}:80" 10.0.2.13:80 100; res drift_flush_rc $?; res drift_flush_ms $(( $(ms) - T0 )); res drift_flush_log_ms "$(logms $T0)"; res drift_flush_t0 $T0
waitfor 20 hasweight "-u ${VIP}:53" 10.0.2.13:53 1
$D ipvsadm -S -n > "$W/drift-after.txt"`,
  invalid: `# ---- invalid config reload: table byte-identical, daemon alive, errors logged
$D ipvsadm -S -n > "$W/invalid-before.txt"
sed 's/^port = 8080/port = "80a"/; s/scheduler = "wrr"/scheduler = "fastest"/' "$W/v1.toml" > "$W/lvsd.toml"
kill -HUP $(lvpid); waitfor 50 grep -q 'reload rejected' "$W/lvsd.log"; res invalid_logged $?
sleep 3
$D ipvsadm -S -n > "$W/invalid-after.txt"
kill -0 $(lvpid); res invalid_alive $?
cp "$W/v1.toml" "$W/lvsd.toml"`,
  reload: `# ---- reload under traffic: add a service, remove one, change a weight and a scheduler
rm -f "$W/stop1" "$W/loop1.json"
$C node "$W/client.mjs" loop "$W/stop1" "$W/loop1.json" 8080 "backend b3" 80 8080 > "$W/loop1.err" 2>&1 &
waitfor 300 test -f "$W/loop1.json.ready"; res reload_long "$(cat "$W/loop1.json.ready")"
sleep 2
cp "$W/v2.toml" "$W/lvsd.toml"; kill -HUP $(lvpid)
waitfor 100 grep -q '"reloaded: ' "$W/lvsd.log"; res reload_rc $?
sleep 1
$D ipvsadm -Ln > "$W/reload-list.txt"
res reload_b3_weight "$(weight "-t ${VIP}:8080" 10.0.2.13:80)"
sleep 4
touch "$W/stop1"; waitfor 100 test -f "$W/loop1.json"
grep '"reloaded: ' "$W/lvsd.log" | tail -1 > "$W/reload-line.txt"`,
  crash: `# ---- crash: kill -9 during traffic, restart: not flushed, no connection reset, converges
rm -f "$W/stop2" "$W/loop2.json"
$C node "$W/client.mjs" loop "$W/stop2" "$W/loop2.json" 80 "backend b1" 80 > "$W/loop2.err" 2>&1 &
waitfor 300 test -f "$W/loop2.json.ready"; res crash_long "$(cat "$W/loop2.json.ready")"
$D ipvsadm -S -n > "$W/crash-before.txt"
kill -9 $(lvpid); sleep 1
$D ipvsadm -S -n > "$W/crash-killed.txt"
cp "$W/lvsd.log" "$W/lvsd.log.1"; : > "$W/lvsd.log"
start_lvsd; res crash_restarted $?
sleep 4
$D ipvsadm -S -n > "$W/crash-after.txt"
touch "$W/stop2"; waitfor 100 test -f "$W/loop2.json"`,
};
