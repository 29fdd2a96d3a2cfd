/**
 * Kernel tier (UML, real IPVS): an ecmp virtual server's destination order after reloads that add
 * servers equals the order a fresh start gives. Each lvsd runs in its own namespace (IPVS is per
 * namespace): `run` starts with 3 servers and is reloaded twice (adding one server in the middle of
 * the sorted order, then one before all and one after all); `fresh1` / `fresh2` start with the
 * reloaded configs. Compared: `ipvsadm -Ln --nosort` order (plain -Ln sorts the real servers by
 * address, hiding the kernel's order) and the fingerprints of `lvsctl status`; the server re-added
 * to realign keeps the connections a local client opened before (its counters and `ipvsadm -Lnc`
 * entries). Contrast:
 * `off` has the same history with LVSD_ECMP_REALIGN=0, and its order (and fingerprint) differ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../support/root.js';
import { runGuest, type UmlResult } from '../support/uml.js';
import { parseResults, readText } from './daemon-results.js';

const VIP = '10.0.1.100';
const START = ['10.0.2.11', '10.0.2.12', '10.0.2.14'];
const RELOAD1 = ['10.0.2.11', '10.0.2.12', '10.0.2.13', '10.0.2.14'];
const RELOAD2 = ['10.0.2.10', ...RELOAD1, '10.0.2.15'];

function config(name: string, servers: readonly string[]): string {
  const rs = servers.map((a) => `  [[virtual_server.real_server]]\n  address = "${a}"\n`).join('');
  return `[global]
router_id = "${name}"
control_socket = "$W/${name}.sock"
state_file = "$W/${name}.state"
resync_interval = "1s"
[[virtual_server]]
name = "web"
address = "${VIP}"
port = 80
forwarding = "dr"
scheduler = "mh"
scheduler_flags = ["mh-port"]
ecmp = true
${rs}`;
}

function script(): string {
  const cfg = (file: string, name: string, servers: readonly string[]) =>
    `cat > "$W/${file}" <<TOML\n${config(name, servers)}TOML`;
  return `set +e
W="$OUT/w"; mkdir -p "$W"
LV="$LVSD_ROOT/bin/lvsd"; CTL="$LVSD_ROOT/bin/lvsctl"
R="$OUT/results.txt"; : > "$R"
res() { echo "$1=$2" >> "$R"; }
waitfor() { n=$1; shift; i=0; while [ $i -lt $n ]; do if "$@" >/dev/null 2>&1; then return 0; fi; sleep 0.1; i=$((i+1)); done; return 1; }
dests() { ip netns exec "e$1" ipvsadm -Ln -t ${VIP}:80 2>/dev/null | grep -c -- '->  *10\\.'; }
hasdests() { [ "$(dests "$1")" = "$2" ]; }
aligned() { ip netns exec "e$1" "$CTL" -s "$W/$1.sock" status --json > "$W/$1.probe.json" 2>&1 && node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const e = s.virtualServers[0].ecmp; process.exit(e && e.fingerprint && e.fingerprint === e.desired ? 0 : 1);' "$W/$1.probe.json"; }
start() { # name config [env]
  ip netns add "e$1"; ip -n "e$1" link set lo up
  ip -n "e$1" link add d0 type veth peer name d1; ip -n "e$1" link set d1 up
  ip -n "e$1" addr add 10.0.2.1/24 dev d0; ip -n "e$1" addr add ${VIP}/32 dev d0; ip -n "e$1" link set d0 up
  env $3 ip netns exec "e$1" "$LV" -f "$W/$2" >> "$W/$1.log" 2>&1 &
  echo $! > "$W/$1.pid"
  waitfor 300 grep -q '"lvsd started"' "$W/$1.log"; res "$1_started" $?
}
record() { # name tag
  ip netns exec "e$1" ipvsadm -Ln --nosort -t ${VIP}:80 > "$W/$1-$2.ipvs" 2>&1
  ip netns exec "e$1" "$CTL" -s "$W/$1.sock" status --json > "$W/$1-$2.json" 2>&1
}
reload() { # name config n
  cp "$W/$2" "$W/$1.toml"; ip netns exec "e$1" "$CTL" -s "$W/$1.sock" reload > "$W/$1-reload-$2.txt" 2>&1; res "$1_reload_$2" $?
  waitfor 300 hasdests "$1" "$3"; res "$1_dests_$2" $?
}
${cfg('start-run.toml', 'run', START)}
${cfg('start-off.toml', 'off', START)}
${cfg('r1-run.toml', 'run', RELOAD1)}
${cfg('r1-off.toml', 'off', RELOAD1)}
${cfg('r2-run.toml', 'run', RELOAD2)}
${cfg('r2-off.toml', 'off', RELOAD2)}
${cfg('fresh1.toml', 'fresh1', RELOAD1)}
${cfg('fresh2.toml', 'fresh2', RELOAD2)}
cp "$W/start-run.toml" "$W/run.toml"; cp "$W/start-off.toml" "$W/off.toml"
start run run.toml
start off off.toml LVSD_ECMP_REALIGN=0
waitfor 300 hasdests run 3; res run_dests_start $?
waitfor 300 hasdests off 3; res off_dests_start $?
record run 0; record off 0
# connections from a local client (SYNs to backends that do not exist: they stay in SYN_RECV)
ip netns exec erun node -e '
  const net = require("net");
  for (let i = 0; i < 64; i++) net.connect({ host: "${VIP}", port: 80 }).on("error", () => {});
  setTimeout(() => process.exit(0), 40000);' & CLIENT=$!
sleep 3
ip netns exec erun ipvsadm -Ln --nosort -t ${VIP}:80 > "$W/conns-before.ipvs" 2>&1
ip netns exec erun ipvsadm -Lnc > "$W/conns-before.lnc" 2>&1
reload run r1-run.toml 4; reload off r1-off.toml 4
waitfor 300 aligned run; res run_aligned_1 $?
sleep 2
record run 1; record off 1
ip netns exec erun ipvsadm -Ln --nosort -t ${VIP}:80 > "$W/conns-after.ipvs" 2>&1
ip netns exec erun ipvsadm -Lnc > "$W/conns-after.lnc" 2>&1
kill $CLIENT
start fresh1 fresh1.toml
waitfor 300 hasdests fresh1 4; res fresh1_dests $?
record fresh1 1
reload run r2-run.toml 6; reload off r2-off.toml 6
waitfor 300 aligned run; res run_aligned_2 $?
sleep 2
record run 2; record off 2
start fresh2 fresh2.toml
waitfor 300 hasdests fresh2 6; res fresh2_dests $?
record fresh2 2
for n in run off fresh1 fresh2; do kill -TERM "$(cat "$W/$n.pid")"; done
wait
exit 0
`;
}

/** The real servers of `ipvsadm -Ln --nosort` output, in the kernel's order. */
function order(text: string): string[] {
  return [...text.matchAll(/->\s+(\d+\.\d+\.\d+\.\d+):80\s/g)].map((m) => m[1]!);
}

/** ActiveConn + InActConn of each real server in `ipvsadm -Ln` output (the dest's own counters). */
function counted(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/->\s+(\d+\.\d+\.\d+\.\d+):80\s+\S+\s+\d+\s+(\d+)\s+(\d+)/g))
    out[m[1]!] = Number(m[2]) + Number(m[3]);
  return out;
}

/** Connection entries per real server in `ipvsadm -Lnc` output. */
function entries(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/ (\d+\.\d+\.\d+\.\d+):80\s*$/gm)) out[m[1]!] = (out[m[1]!] ?? 0) + 1;
  return out;
}

/** { fingerprint, desired } of the ecmp service in a saved `lvsctl status --json`. */
function fingerprints(r: UmlResult, file: string): { fingerprint?: string; desired?: string } {
  const text = readText(r, file);
  try {
    return (JSON.parse(text) as { virtualServers: Array<{ ecmp: { fingerprint?: string; desired?: string } }> })
      .virtualServers[0]!.ecmp;
  } catch {
    throw new Error(`${file}: not a status: ${text.slice(0, 300)}`);
  }
}

describe.skipIf(!hasRoot('kernel: ecmp destination order realigned after a reload (UML)'))(
  'kernel: ecmp destination order after reloads (UML)',
  () => {
    let r: UmlResult;
    let res: Record<string, string>;
    const why = () =>
      `${JSON.stringify(res)}\n--- guest log ---\n${r.log.slice(-3000)}\n--- run.log ---\n${readText(r, 'run.log').slice(-3000)}`;

    beforeAll(async () => {
      r = await runGuest({ name: 'ecmp-realign', script: script(), timeoutMs: 300_000 });
      res = parseResults(r);
      if (process.env.LVSD_KEEP_UML) process.stderr.write(`UML output kept in ${r.outDir}\n`);
    });
    afterAll(() => (process.env.LVSD_KEEP_UML ? undefined : r?.cleanup()));

    it('every step ran', () => {
      expect(r.ok, why()).toBe(true);
      for (const k of [
        'run_started',
        'off_started',
        'fresh1_started',
        'fresh2_started',
        'run_dests_start',
        'off_dests_start',
      ])
        expect(res[k], `${k}: ${why()}`).toBe('0');
      for (const k of [
        'run_reload_r1-run.toml',
        'run_reload_r2-run.toml',
        'off_reload_r1-off.toml',
        'off_reload_r2-off.toml',
      ])
        expect(res[k], `${k}: ${why()}`).toBe('0');
      for (const k of [
        'run_dests_r1-run.toml',
        'run_dests_r2-run.toml',
        'off_dests_r1-off.toml',
        'off_dests_r2-off.toml',
      ])
        expect(res[k], `${k}: ${why()}`).toBe('0');
      expect(res.fresh1_dests).toBe('0');
      expect(res.fresh2_dests).toBe('0');
    });

    it('a fresh start lists the servers in reverse of the order lvsd adds them (the kernel adds at the head)', () => {
      expect(order(readText(r, 'run-0.ipvs'))).toEqual([...START].reverse());
      expect(order(readText(r, 'fresh1-1.ipvs'))).toEqual([...RELOAD1].reverse());
      expect(order(readText(r, 'fresh2-2.ipvs'))).toEqual([...RELOAD2].reverse());
      for (const f of ['run-0.json', 'fresh1-1.json', 'fresh2-2.json']) {
        const fp = fingerprints(r, f);
        expect(fp.fingerprint, f).toMatch(/^[0-9a-f]{8}$/);
        expect(fp.fingerprint, f).toBe(fp.desired);
      }
    });

    it('after each reload the running director has the fresh order and fingerprint', () => {
      expect(res.run_aligned_1, why()).toBe('0');
      expect(res.run_aligned_2, why()).toBe('0');
      expect(order(readText(r, 'run-1.ipvs'))).toEqual(order(readText(r, 'fresh1-1.ipvs')));
      expect(order(readText(r, 'run-2.ipvs'))).toEqual(order(readText(r, 'fresh2-2.ipvs')));
      expect(fingerprints(r, 'run-1.json').fingerprint).toBe(fingerprints(r, 'fresh1-1.json').fingerprint);
      expect(fingerprints(r, 'run-2.json').fingerprint).toBe(fingerprints(r, 'fresh2-2.json').fingerprint);
    });

    it('re-adds only the servers out of place, in the pass that adds the new one, and writes nothing more', () => {
      // passes that wrote something (lvsd logs "reconciled" only for those); resync runs every 1 s
      const passes = readText(r, 'run.log')
        .split('\n')
        .filter((l) => l.includes('"msg":"reconciled"'))
        .map((l) => (JSON.parse(l) as { applied: string[] }).applied);
      expect(passes.length, JSON.stringify(passes)).toBe(3); // start, reload 1, reload 2
      // reload 1 adds .13, which a fresh start adds before .14: .14 alone goes out and in again
      expect(passes[1]).toEqual([
        `-d -t ${VIP}:80 -r 10.0.2.14:80`,
        `-a -t ${VIP}:80 -r 10.0.2.13:80 -g -w 1`,
        `-a -t ${VIP}:80 -r 10.0.2.14:80 -g -w 1`,
      ]);
      // reload 2 adds .10, first of all: the 4 others are re-added after it, then .15
      expect(passes[2]!.filter((a) => a.startsWith('-d')).length).toBe(4);
      expect(passes[2]!.filter((a) => a.startsWith('-a')).map((a) => a.split(' ')[4])).toEqual(
        RELOAD2.map((a) => `${a}:80`),
      );
    });

    it('the re-added server keeps its connections (the kernel takes the same dest back from its trash)', () => {
      const before = { n: counted(readText(r, 'conns-before.ipvs')), e: entries(readText(r, 'conns-before.lnc')) };
      const after = { n: counted(readText(r, 'conns-after.ipvs')), e: entries(readText(r, 'conns-after.lnc')) };
      const show = JSON.stringify({ before, after });
      expect(before.n['10.0.2.14'], show).toBeGreaterThan(0);
      expect(before.e['10.0.2.14'], show).toBe(before.n['10.0.2.14']);
      // a dest made anew would count 0 connections; the one taken from the trash keeps its count
      expect(after.n['10.0.2.14'], show).toBe(before.n['10.0.2.14']);
      expect(after.e['10.0.2.14'], show).toBe(before.e['10.0.2.14']);
    });

    it('contrast: with LVSD_ECMP_REALIGN=0 the added servers stay at the head and the fingerprints differ', () => {
      expect(order(readText(r, 'off-1.ipvs'))).toEqual(['10.0.2.13', '10.0.2.14', '10.0.2.12', '10.0.2.11']);
      expect(order(readText(r, 'off-1.ipvs'))).not.toEqual(order(readText(r, 'fresh1-1.ipvs')));
      expect(order(readText(r, 'off-2.ipvs'))).not.toEqual(order(readText(r, 'fresh2-2.ipvs')));
      const off1 = fingerprints(r, 'off-1.json');
      expect(off1.fingerprint).not.toBe(fingerprints(r, 'fresh1-1.json').fingerprint);
      expect(off1.fingerprint).not.toBe(off1.desired);
      expect(fingerprints(r, 'off-2.json').fingerprint).not.toBe(fingerprints(r, 'fresh2-2.json').fingerprint);
    });
  },
);
