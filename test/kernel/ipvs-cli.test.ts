/**
 * Kernel tier: real IPVS in user-mode Linux, one boot for all checks (each boot costs ~7 s+).
 * Namespace "lv" is written by lvsd, "ref" by ipvsadm, from the same rules file
 * (test/fixtures/ipvs/all.rules: every scheduler, forwarding method and tunnel option, fwmark,
 * IPv6, persistence with netmask, scheduler flags, one-packet, thresholds, pe sip, timeouts).
 * Then: bad rules change nothing; a kernel refusal part-way is reported per line; and curl from a
 * client namespace reaches backends through VIPs that lvsd programmed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../support/root.js';
import { lvsdIn, repoRoot, runGuest, snapshotBuild, topologyScript, type UmlResult } from '../support/uml.js';
import { parseRules } from '../../src/ipvs/rules.js';
import type { Op } from '../../src/ipvs/types.js';

const RULES = join(repoRoot(), 'test/fixtures/ipvs/all.rules');

const BAD_RULES = `-A -t 10.0.0.1:80 -s rr
-a -t 10.0.0.1:80 -r 10.0.2.11:80 -m -w 1
-a -t 10.0.0.1:80 -r 10.0.2.12:80 -m -w lots
-A -t 10.0.0.2:80 -s rr
`;
const PARTIAL_RULES = `-A -t 10.0.0.1:80 -s rr
-A -t 10.0.0.2:80 -s nosuchsched
-a -t 10.0.0.1:80 -r 10.0.2.11:80 -m
-a -t 10.0.0.9:80 -r 10.0.2.12:80 -m
-A -t 10.0.0.1:80 -s wrr
-a -t 10.0.0.1:80 -r 10.0.2.13:80 -m
`;
/** Edits on top of all.rules, applied by lvsd in "lv" and by ipvsadm -R in "ref". */
const EDIT_RULES = `-E -t 10.0.0.1:80 -s wlc -p 100 -M 255.255.0.0
-e -t 10.0.0.1:80 -r 10.0.2.11:8080 -m -w 9 -x 90 -y 9
-d -t 10.0.0.1:80 -r 10.0.2.12:8080
-D -t 10.0.0.5:80
-e -t 10.0.0.3:443 -r 10.0.2.13:443 -i --tun-type gre --tun-csum -w 2
-E -f 3 -6 -s rr
-Z
-Z -t 10.0.0.2:80
--set 0 60 0
`;
const topo = topologyScript(2, 'c');
const NAT_RULES = `-A -t ${topo.vip}:80 -s rr
-a -t ${topo.vip}:80 -r ${topo.backendAddrs[0]}:80 -m
-a -t ${topo.vip}:80 -r ${topo.backendAddrs[1]}:80 -m
-A -t [${topo.vip6}]:80 -s rr
-a -t [${topo.vip6}]:80 -r [${topo.backendAddrs6[0]}]:80 -m
-a -t [${topo.vip6}]:80 -r [${topo.backendAddrs6[1]}]:80 -m
`;

function script(): string {
  const routable = (ns: string): string =>
    [
      `ip netns add ${ns}; ip -n ${ns} link set lo up`,
      `ip -n ${ns} link add v0 type veth peer name v1; ip -n ${ns} link set v0 up; ip -n ${ns} link set v1 up`,
      `ip -n ${ns} addr add 10.0.2.1/24 dev v0; ip -n ${ns} addr add 2001:db8:2::1/64 dev v0 nodad`,
    ].join('\n');
  const inNs = (ns: string, cmd: string): string => `ip netns exec ${ns} ${cmd}`;
  return `
cat > "$OUT/bad.rules" <<'EOF'
${BAD_RULES}EOF
cat > "$OUT/partial.rules" <<'EOF'
${PARTIAL_RULES}EOF
cat > "$OUT/edit.rules" <<'EOF'
${EDIT_RULES}EOF
cat > "$OUT/nat.rules" <<'EOF'
${NAT_RULES}EOF
${routable('lv')}
${routable('ref')}
${routable('bad')}
${routable('part')}
# 1. lvsd writes, ipvsadm reads
${lvsdIn('lv', `ipvs restore < ${RULES} > "$OUT/lv.restore.out" 2>&1`)}; echo $? > "$OUT/lv.restore.rc"
${inNs('lv', 'ipvsadm -S -n')} > "$OUT/lv.ipvsadm.save"
${inNs('lv', 'ipvsadm -Ln')} > "$OUT/lv.ipvsadm.list"
${inNs('lv', 'ipvsadm -Ln --thresholds')} > "$OUT/lv.ipvsadm.thr"
${inNs('lv', 'ipvsadm -Ln --tun-info')} > "$OUT/lv.ipvsadm.tun"
${inNs('lv', 'ipvsadm -Ln --timeout')} > "$OUT/lv.ipvsadm.timeout"
${lvsdIn('lv', 'ipvs save')} > "$OUT/lv.lvsd.save"
${lvsdIn('lv', 'ipvs list')} > "$OUT/lv.lvsd.list"
# 2. ipvsadm writes, lvsd reads (second namespace, same file)
${inNs('ref', `ipvsadm -R < ${RULES}`)}; echo $? > "$OUT/ref.restore.rc"
${inNs('ref', 'ipvsadm -S -n')} > "$OUT/ref.ipvsadm.save"
${inNs('ref', 'ipvsadm -Ln --thresholds')} > "$OUT/ref.ipvsadm.thr"
${inNs('ref', 'ipvsadm -Ln --tun-info')} > "$OUT/ref.ipvsadm.tun"
${lvsdIn('ref', 'ipvs list --json')} > "$OUT/ref.lvsd.json"
${lvsdIn('ref', 'ipvs save')} > "$OUT/ref.lvsd.save"
# 2b. the same edits through both tools
${lvsdIn('lv', 'ipvs restore < "$OUT/edit.rules" > "$OUT/lv.edit.out" 2>&1')}; echo $? > "$OUT/lv.edit.rc"
${inNs('ref', 'ipvsadm -R < "$OUT/edit.rules"')}; echo $? > "$OUT/ref.edit.rc"
${inNs('lv', 'ipvsadm -Ln --thresholds')} > "$OUT/lv.edit.thr"
${inNs('ref', 'ipvsadm -Ln --thresholds')} > "$OUT/ref.edit.thr"
${inNs('lv', 'ipvsadm -S -n')} > "$OUT/lv.edit.save"
${inNs('ref', 'ipvsadm -S -n')} > "$OUT/ref.edit.save"
${inNs('lv', 'ipvsadm -Ln --timeout')} > "$OUT/lv.edit.timeout"
# 3. a bad line changes nothing
${lvsdIn('bad', 'ipvs restore < "$OUT/bad.rules" > "$OUT/bad.out" 2>&1')}; echo $? > "$OUT/bad.rc"
${inNs('bad', 'ipvsadm -S -n')} > "$OUT/bad.after"
# 4. kernel refusals part-way are reported per line
${lvsdIn('part', 'ipvs restore < "$OUT/partial.rules" > "$OUT/part.out" 2>&1')}; echo $? > "$OUT/part.rc"
${inNs('part', 'ipvsadm -S -n')} > "$OUT/part.after"
# 5. traffic through VIPs programmed by lvsd
${topo.script}
${lvsdIn(topo.director, 'ipvs restore < "$OUT/nat.rules" > "$OUT/nat.out" 2>&1')}; echo $? > "$OUT/nat.rc"
for i in 1 2 3 4; do ${inNs(topo.client, `curl -s -m 3 http://${topo.vip}/`)}; done > "$OUT/curl4.txt" 2>&1
for i in 1 2 3 4; do ${inNs(topo.client, `curl -s -m 3 http://[${topo.vip6}]/`)}; done > "$OUT/curl6.txt" 2>&1
sleep 2.5
${inNs(topo.director, 'ipvsadm -Ln --stats')} > "$OUT/nat.ipvsadm.stats"
${lvsdIn(topo.director, 'ipvs list --stats')} > "$OUT/nat.lvsd.stats"
exit 0
`;
}

describe.skipIf(!hasRoot('kernel: IPVS client and CLI in UML'))(
  'kernel: lvsd ipvs against ipvsadm on real IPVS',
  () => {
    let r: UmlResult;
    let snap: ReturnType<typeof snapshotBuild> | undefined;
    const out = (f: string): string => readFileSync(join(r.outDir, f), 'utf8');

    beforeAll(async () => {
      snap = snapshotBuild();
      r = await runGuest({ name: 'ipvs-cli', script: script(), timeoutMs: 300_000, env: { LVSD_BIN: snap.bin } });
      if (!r.ok)
        throw new Error(
          `guest failed (exit ${r.exitCode}, timedOut ${r.timedOut}):\n${r.log}\n${r.console.slice(-3000)}`,
        );
    });
    afterAll(() => {
      r?.cleanup();
      snap?.cleanup();
    });

    it('lvsd restore applies every rule and ipvsadm reads back what ipvsadm -R makes of the same file', () => {
      expect(out('lv.restore.out')).toBe('');
      expect(out('lv.restore.rc').trim()).toBe('0');
      expect(out('ref.restore.rc').trim()).toBe('0');
      expect(out('lv.ipvsadm.save').split('\n').length).toBeGreaterThan(40);
      expect(out('lv.ipvsadm.save')).toBe(out('ref.ipvsadm.save'));
      expect(out('lv.ipvsadm.thr')).toBe(out('ref.ipvsadm.thr'));
      expect(out('lv.ipvsadm.tun')).toBe(out('ref.ipvsadm.tun'));
      expect(out('lv.ipvsadm.timeout')).toContain('900 120 300');
    });

    it('lvsd ipvs save is byte-identical to ipvsadm -S -n, and list to ipvsadm -Ln', () => {
      expect(out('lv.lvsd.save')).toBe(out('lv.ipvsadm.save'));
      expect(out('ref.lvsd.save')).toBe(out('ref.ipvsadm.save'));
      expect(out('lv.lvsd.list')).toBe(out('lv.ipvsadm.list'));
    });

    it('lvsd reads what ipvsadm wrote: every rule of the file is in the JSON table', () => {
      const table = JSON.parse(out('ref.lvsd.json')) as {
        services: Array<{
          id: Record<string, unknown>;
          scheduler: string;
          flags: number;
          timeout: number;
          netmask: number;
          pe?: string;
          destinations: Array<Record<string, unknown>>;
        }>;
      };
      const ops = parseRules(readFileSync(RULES, 'utf8')).lines.flatMap((l) => (l.kind === 'op' ? [l.op] : []));
      const key = (id: Record<string, unknown>): string =>
        JSON.stringify([id.af, id.protocol ?? null, id.address ?? null, id.port ?? null, id.fwmark ?? null]);
      const byKey = new Map(table.services.map((s) => [key(s.id), s]));
      expect(table.services).toHaveLength(ops.filter((o) => o.op === 'add-service').length);
      for (const op of ops as Op[]) {
        if (op.op === 'add-service') {
          const s = byKey.get(key(op.service.id as unknown as Record<string, unknown>));
          expect(s, JSON.stringify(op)).toMatchObject({
            scheduler: op.service.scheduler,
            flags: op.service.flags,
            timeout: op.service.timeout,
            netmask: op.service.netmask,
          });
          if (op.service.pe) expect(s!.pe).toBe(op.service.pe);
        } else if (op.op === 'add-dest') {
          const s = byKey.get(key(op.service as unknown as Record<string, unknown>))!;
          const d = s.destinations.find((x) => x.address === op.dest.address && x.port === op.dest.port);
          const { conns: _c, stats: _s, ...want } = op.dest;
          expect(d, JSON.stringify(op)).toMatchObject(want);
        }
      }
    });

    it('edits (-E -e -d -D -Z --set) by lvsd leave the same table as by ipvsadm', () => {
      expect(out('lv.edit.out')).toBe('');
      expect(out('lv.edit.rc').trim()).toBe('0');
      expect(out('ref.edit.rc').trim()).toBe('0');
      expect(out('lv.edit.save')).toBe(out('ref.edit.save'));
      expect(out('lv.edit.thr')).toBe(out('ref.edit.thr'));
      expect(out('lv.edit.save')).toContain(
        '-A -t 10.0.0.1:80 -s wlc -p 100 -M 255.255.0.0\n-a -t 10.0.0.1:80 -r 10.0.2.11:8080 -m -w 9\n-A',
      );
      expect(out('lv.edit.save')).not.toContain('10.0.0.5:80');
      expect(out('lv.edit.thr')).toMatch(/10\.0\.2\.11:8080 +90 +9 /);
      expect(out('lv.edit.timeout')).toContain('900 60 300');
    });

    it('a bad line: error names the line, nothing applied', () => {
      expect(out('bad.rc').trim()).toBe('1');
      expect(out('bad.out')).toMatch(/line 3: invalid weight "lots"/);
      expect(out('bad.out')).toContain('nothing was applied');
      expect(out('bad.after')).toBe('');
    });

    it('kernel refusals part-way: the report says which lines were applied and which were not', () => {
      expect(out('part.rc').trim()).toBe('1');
      const rep = out('part.out');
      expect(rep).toContain('3 of 6 rules applied, 3 refused by the kernel');
      expect(rep).toContain('applied lines: 1,3,6');
      expect(rep).toMatch(
        /line 2: NOT applied: -A -t 10\.0\.0\.2:80 -s nosuchsched: IPVS_CMD_NEW_SERVICE TCP 10\.0\.0\.2:80: ENOENT/,
      );
      expect(rep).toMatch(/line 4: NOT applied: .*ESRCH/);
      expect(rep).toMatch(/line 5: NOT applied: .*EEXIST/);
      expect(out('part.after')).toBe(
        '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.2.11:80 -m -w 1\n-a -t 10.0.0.1:80 -r 10.0.2.13:80 -m -w 1\n',
      );
    });

    it('curl from the client namespace reaches both backends through the IPv4 and IPv6 VIPs', () => {
      expect(out('nat.rc').trim()).toBe('0');
      for (const f of ['curl4.txt', 'curl6.txt']) {
        const answers = out(f).trim().split('\n');
        expect(answers).toHaveLength(4);
        expect(new Set(answers)).toEqual(new Set(['backend b1', 'backend b2']));
      }
      expect(out('nat.lvsd.stats')).toBe(out('nat.ipvsadm.stats'));
      expect(out('nat.lvsd.stats')).toMatch(/TCP {2}10\.0\.1\.100:80 +4 /);
    });
  },
);
