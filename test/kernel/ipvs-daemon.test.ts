/**
 * Kernel tier: `lvsd ipvs daemon` against ipvsadm on real IPVS sync daemons, one UML boot.
 *   1. lvsd starts a master and a backup (every option) in namespace "dl"; ipvsadm lists them,
 *      lvsd lists them, the texts are identical; ipvsadm stops them.
 *   2. ipvsadm starts both in "dr"; lvsd reads them (text and JSON) and stops them.
 *   3. refusals: a second master (EEXIST), a missing interface (ENODEV), stopping none (ESRCH),
 *      and the kernel's EINVAL when a service has destinations of another family; each one line.
 *   4. connections really sync: lvsd starts the master daemon on a NAT director, ipvsadm the
 *      backup in a peer namespace with the same service; after a few HTTP requests through the VIP
 *      the peer's /proc/net/ip_vs_conn_sync holds them with origin SYNC.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../support/root.js';
import { lvsdIn, runUml, snapshotBuild, topologyScript, type UmlResult } from '../support/uml.js';

const topo = topologyScript(1, 's');

function script(): string {
  const veths = (ns: string): string =>
    `ip netns add ${ns}; ip -n ${ns} link set lo up; ip -n ${ns} link add eth0 type veth peer name eth1; ip -n ${ns} link set eth0 up; ip -n ${ns} link set eth1 up`;
  const x = (ns: string, cmd: string): string => `ip netns exec ${ns} ${cmd}`;
  const full =
    'backup --mcast-interface eth1 --syncid 7 --sync-maxlen 1400 --mcast-group 239.1.2.3 --mcast-port 9000 --mcast-ttl 3';
  return `
${veths('dl')}
${veths('dr')}
${veths('bad')}
# 1. lvsd writes, ipvsadm reads
${lvsdIn('dl', 'ipvs daemon start master --mcast-interface eth0 --syncid 5')}; echo $? > "$OUT/dl.start1.rc"
${lvsdIn('dl', `ipvs daemon start ${full}`)}; echo $? > "$OUT/dl.start2.rc"
${x('dl', 'ipvsadm -L --daemon')} > "$OUT/dl.ipvsadm.txt"
${lvsdIn('dl', 'ipvs daemon list')} > "$OUT/dl.lvsd.txt"
${x('dl', 'ipvsadm --stop-daemon master')}; ${x('dl', 'ipvsadm --stop-daemon backup')}
${lvsdIn('dl', 'ipvs daemon list')} > "$OUT/dl.after.txt"
# 2. ipvsadm writes, lvsd reads
${x('dr', 'ipvsadm --start-daemon master --mcast-interface eth0 --syncid 5')}
${x('dr', `ipvsadm --start-daemon ${full}`)}
${x('dr', 'ipvsadm -L --daemon')} > "$OUT/dr.ipvsadm.txt"
${lvsdIn('dr', 'ipvs daemon list')} > "$OUT/dr.lvsd.txt"
${lvsdIn('dr', 'ipvs daemon list --json')} > "$OUT/dr.lvsd.json"
${lvsdIn('dr', 'ipvs daemon stop backup')}; echo $? > "$OUT/dr.stop1.rc"
${lvsdIn('dr', 'ipvs daemon stop master')}; echo $? > "$OUT/dr.stop2.rc"
${x('dr', 'ipvsadm -L --daemon')} > "$OUT/dr.after.txt"
# 3. refusals
{
${lvsdIn('bad', 'ipvs daemon start master --mcast-interface eth0')}; echo "rc=$?"
${lvsdIn('bad', 'ipvs daemon start master --mcast-interface eth1')}; echo "rc=$?"
${lvsdIn('bad', 'ipvs daemon start backup --mcast-interface nosuch0')}; echo "rc=$?"
${lvsdIn('bad', 'ipvs daemon stop backup')}; echo "rc=$?"
${lvsdIn('bad', 'ipvs daemon stop master')}; echo "rc=$?"
${x('bad', 'ip addr add 10.0.2.1/24 dev eth0')}; ${x('bad', 'ip addr add 2001:db8:2::1/64 dev eth0 nodad')}
${x('bad', 'ipvsadm -A -t [2001:db8::1]:80 -s rr')}; ${x('bad', 'ipvsadm -a -t [2001:db8::1]:80 -r 10.0.2.50 -i')}
${lvsdIn('bad', 'ipvs daemon start backup --mcast-interface eth0')}; echo "rc=$?"
} > "$OUT/bad.txt" 2>&1
# 4. real sync between a director (master, by lvsd) and a peer (backup, by ipvsadm)
${topo.script}
ip netns add speer; ip -n speer link set lo up
ip link add speerc type veth peer name eth0 netns speer; ip link set speerc master sbrc up; ip -n speer link set eth0 up
ip -n speer addr add 10.0.1.3/24 dev eth0
for ns in ${topo.director} speer; do ip netns exec $ns ipvsadm -A -t ${topo.vip}:80 -s rr; ip netns exec $ns ipvsadm -a -t ${topo.vip}:80 -r ${topo.backendAddrs[0]}:80 -m; done
ip -n speer route add 10.0.2.0/24 via 10.0.1.1
${x('speer', 'ipvsadm --start-daemon backup --mcast-interface eth0 --syncid 9')}
${lvsdIn(topo.director, 'ipvs daemon start master --mcast-interface eth0 --syncid 9')}; echo $? > "$OUT/sync.start.rc"
for i in 1 2 3 4 5; do ${x(topo.client, `curl -s -m 3 http://${topo.vip}/`)}; done > "$OUT/sync.curl.txt"
for i in $(seq 1 50); do n=$(${x('speer', 'cat /proc/net/ip_vs_conn_sync')} | grep -c SYNC); [ "$n" -ge 5 ] && break; sleep 0.2; done
${x('speer', 'cat /proc/net/ip_vs_conn_sync')} > "$OUT/sync.peer.conns"
${x(topo.director, 'cat /proc/net/ip_vs_conn_sync')} > "$OUT/sync.director.conns"
exit 0
`;
}

describe.skipIf(!hasRoot('kernel: IPVS sync daemons in UML'))('kernel: lvsd ipvs daemon against ipvsadm', () => {
  let r: UmlResult;
  let snap: ReturnType<typeof snapshotBuild> | undefined;
  const out = (f: string): string => readFileSync(join(r.outDir, f), 'utf8');

  beforeAll(async () => {
    snap = snapshotBuild();
    r = await runUml({ name: 'ipvs-daemon', script: script(), timeoutMs: 300_000, env: { LVSD_BIN: snap.bin } });
    if (!r.ok)
      throw new Error(
        `guest failed (exit ${r.exitCode}, timedOut ${r.timedOut}):\n${r.log}\n${r.console.slice(-3000)}`,
      );
  });
  afterAll(() => {
    r?.cleanup();
    snap?.cleanup();
  });

  it('ipvsadm lists what lvsd started, and lvsd lists it byte for byte the same', () => {
    expect(out('dl.start1.rc').trim()).toBe('0');
    expect(out('dl.start2.rc').trim()).toBe('0');
    expect(out('dl.ipvsadm.txt')).toBe(
      'master sync daemon (mcast=eth0, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n' +
        'backup sync daemon (mcast=eth1, syncid=7, maxlen=1400, group=239.1.2.3, port=9000, ttl=3)\n',
    );
    expect(out('dl.lvsd.txt')).toBe(out('dl.ipvsadm.txt'));
    expect(out('dl.after.txt')).toBe('');
  });

  it('lvsd reads and stops what ipvsadm started', () => {
    expect(out('dr.lvsd.txt')).toBe(out('dr.ipvsadm.txt'));
    expect(out('dr.ipvsadm.txt')).toContain('backup sync daemon (mcast=eth1, syncid=7');
    expect(JSON.parse(out('dr.lvsd.json'))).toEqual([
      { state: 'master', interface: 'eth0', syncId: 5, maxlen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 },
      { state: 'backup', interface: 'eth1', syncId: 7, maxlen: 1400, group: '239.1.2.3', port: 9000, ttl: 3 },
    ]);
    expect(out('dr.stop1.rc').trim()).toBe('0');
    expect(out('dr.stop2.rc').trim()).toBe('0');
    expect(out('dr.after.txt')).toBe('');
  });

  it('kernel refusals are one line each, in words, exit 1', () => {
    const lines = out('bad.txt').trim().split('\n');
    expect(lines).toEqual([
      'rc=0',
      'lvsd ipvs daemon: cannot start the master sync daemon (eth1 syncid 0): a master sync daemon is already running in this network namespace (the kernel runs at most one master and one backup); stop it first',
      'rc=1',
      'lvsd ipvs daemon: cannot start the backup sync daemon (nosuch0 syncid 0): no interface "nosuch0" in this network namespace',
      'rc=1',
      'lvsd ipvs daemon: cannot stop the backup sync daemon: no backup sync daemon is running',
      'rc=1',
      'rc=0',
      'lvsd ipvs daemon: cannot start the backup sync daemon (eth0 syncid 0): the kernel refused the settings (EINVAL): a virtual service has destinations of another address family, which the sync protocol cannot carry, or the group is not multicast',
      'rc=1',
    ]);
  });

  it('a master started by lvsd really sends the connection table: the backup peer holds the connections as SYNC', () => {
    expect(out('sync.start.rc').trim()).toBe('0');
    expect(out('sync.curl.txt')).toBe('backend b1\n'.repeat(5));
    const peer = out('sync.peer.conns')
      .split('\n')
      .filter((l) => l.includes('SYNC'));
    expect(peer.length).toBeGreaterThanOrEqual(5);
    expect(peer[0]).toMatch(/^TCP /);
    // the director's own entries are LOCAL: the origin column is the kernel's, not a constant
    expect(out('sync.director.conns')).toMatch(/LOCAL/);
    expect(out('sync.director.conns')).not.toMatch(/SYNC/);
  });
});
