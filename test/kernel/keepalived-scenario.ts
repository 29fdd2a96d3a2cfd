/**
 * The guest script of the keepalived equivalence test (UML, real IPVS). Three backends (tb1..tb3,
 * 10.0.2.11-13, a node HTTP server on :80, see test/support/uml.ts) on one bridge, and three
 * director namespaces on it: tdir (10.0.2.1) runs keepalived 2.2.7 `-C` (checkers and IPVS only)
 * on a corpus config, tlv (10.0.2.2) runs lvsd on the same config imported, and for the contrast
 * case tlx (10.0.2.3) runs lvsd on a deliberately wrong import. For each case: both tables must
 * become the same (`ipvsadm -S -n`, compared as sorted lines) and stay so for 3 polls; `lvsd --plan`
 * run against keepalived's table must find nothing to do; then backend tb2 is stopped and both
 * tables must change the same way. Observations go to $OUT/w/<case>/; key=value results to
 * $OUT/results.txt. The script goes on after a failure so one boot reports every case.
 */
import { httpServer, topologyScript } from '../support/uml.js';

/** One config of the corpus, its import, and (optionally) a wrong import to run beside it. */
export interface EquivalenceCase {
  name: string;
  /** Path of the keepalived.conf inside the repository (the guest reads it in place). */
  conf: string;
  /** lvsd TOML imported from it. */
  toml: string;
  /** A mutated import; run in tlx, its table must differ from keepalived's once tb2 is down. */
  wrong?: string;
  /** How long the tables must stay equal to count as converged (a few check intervals). */
  holdMs: number;
}

const BRIDGE = 'tbrb';

/** Shell adding a director namespace `ns` with `addr` on the backend bridge (interface eth1). */
function director(ns: string, addr: string, tag: string): string {
  return [
    `ip netns add ${ns}; ip -n ${ns} link set lo up`,
    `ip link add t${tag} type veth peer name eth1 netns ${ns}; ip link set t${tag} master ${BRIDGE} up; ip -n ${ns} link set eth1 up`,
    `ip -n ${ns} addr add ${addr}/24 dev eth1`,
  ].join('\n');
}

/** The guest script for `cases`. */
export function equivalenceScript(cases: EquivalenceCase[]): string {
  const topo = topologyScript(3, 't');
  const b2 = httpServer('tb2', 'backend b2');
  return `set +e
W="$OUT/w"; mkdir -p "$W"
LV="\${LVSD_BIN:-$LVSD_ROOT/bin/lvsd}"
R="$OUT/results.txt"; : > "$R"
res() { echo "$1=$2" >> "$R"; }
ms() { date +%s%3N; }
${topo.script}
${director('tlv', '10.0.2.2', 'lv')}
${director('tlx', '10.0.2.3', 'lx')}
for ns in tdir tlv tlx; do ip netns exec $ns sysctl -qw net.ipv4.ping_group_range="0 2147483647"; done
save() { ip netns exec $1 ipvsadm -S -n 2>&1; }
# converge CASE PHASE HOLD_MS [BASELINE]: wait (up to 180 s) until keepalived's and lvsd's tables are
# equal as sorted lines (and differ from BASELINE, if given), and stay equal for HOLD_MS
converge() {
  c=$1; p=$2; hold=$3; base=$4; since=; ok=1; T0=$(ms)
  while [ $(( $(ms) - T0 )) -lt 180000 ]; do
    save tdir > "$W/$c/$p-ka.txt"; save tlv > "$W/$c/$p-lvsd.txt"
    sort "$W/$c/$p-ka.txt" > "$W/$c/ka.sorted"; sort "$W/$c/$p-lvsd.txt" > "$W/$c/lv.sorted"
    if [ -s "$W/$c/ka.sorted" ] && cmp -s "$W/$c/ka.sorted" "$W/$c/lv.sorted" && { [ -z "$base" ] || ! cmp -s "$W/$c/ka.sorted" "$base"; }; then
      [ -z "$since" ] && since=$(ms)
      if [ $(( $(ms) - since )) -ge $hold ]; then ok=0; break; fi
    else since=; fi
    sleep 0.5
  done
  res \${c}_\${p}_equal $ok; res \${c}_\${p}_ms $(( $(ms) - T0 ))
  cmp -s "$W/$c/$p-ka.txt" "$W/$c/$p-lvsd.txt"; res \${c}_\${p}_raw_identical $?
  cp "$W/$c/ka.sorted" "$W/$c/$p-ka.sorted"; cp "$W/$c/lv.sorted" "$W/$c/$p-lvsd.sorted"
}
${cases.map(caseScript).join('\n')}
exit 0
`;
  function caseScript(k: EquivalenceCase): string {
    const dir = `"$W/${k.name}"`;
    return `# ======== ${k.name}
mkdir -p ${dir}
cat > ${dir}/lvsd.toml <<'TOML'
${runtimePaths(k.toml, `$W/${k.name}`)}
TOML
sed -i "s#\\$W#$W#g" ${dir}/lvsd.toml
${
  k.wrong
    ? `cat > ${dir}/wrong.toml <<'TOML'
${runtimePaths(k.wrong, `$W/${k.name}/x`)}
TOML
mkdir -p ${dir}/x; sed -i "s#\\$W#$W#g" ${dir}/wrong.toml`
    : ''
}
ip netns exec tdir keepalived -C -n -l -D -i lb1 -f "$LVSD_ROOT/${k.conf}" -p ${dir}/ka.pid -c ${dir}/kac.pid > ${dir}/keepalived.log 2>&1 &
KA=$!
ip netns exec tlv "$LV" -f ${dir}/lvsd.toml > ${dir}/lvsd.log 2>&1 &
LVP=$!
${k.wrong ? `ip netns exec tlx "$LV" -f ${dir}/wrong.toml > ${dir}/wrong.log 2>&1 &\nLXP=$!` : 'LXP='}
converge ${k.name} healthy ${k.holdMs}
ip netns exec tdir "$LV" -f ${dir}/lvsd.toml --plan > ${dir}/plan.txt 2>&1; res ${k.name}_plan_rc $?
for p in $(ip netns pids tb2); do kill $p; done; T0=$(ms)
converge ${k.name} down ${k.holdMs} ${dir}/healthy-ka.sorted
${k.wrong ? `save tlx | sort > ${dir}/down-wrong.sorted` : ''}
kill -TERM $KA $LVP $LXP; wait $KA; wait $LVP; [ -n "$LXP" ] && wait $LXP
for ns in tdir tlv tlx; do ip netns exec $ns ipvsadm -C; done
${b2}
i=0; while [ $i -lt 100 ] && ! ip netns exec tdir curl -s -m 1 -o /dev/null http://10.0.2.12/; do sleep 0.2; i=$((i+1)); done`;
  }
}

/** The TOML with lvsd's control socket and state file under `dir` (the defaults are on the host's disk). */
export function runtimePaths(toml: string, dir: string): string {
  const keys = `control_socket = "${dir}/lvsd.sock"\nstate_file = "${dir}/state.json"`;
  return /^\[global\]$/m.test(toml)
    ? toml.replace(/^\[global\]$/m, `[global]\n${keys}`)
    : toml.replace(/^(\[\[|\[)/m, `[global]\n${keys}\n\n$1`);
}
