/**
 * IPVS write/read benchmarks on real IPVS, all in ONE user-mode Linux boot, runs interleaved:
 *   A. `lvsd ipvs restore` vs `ipvsadm -R` vs the floor (bench/ipvs-floor.ts replaying the same
 *      pre-encoded messages 100 per sendto), on S services × D destinations (wrr, NAT); goal
 *      lvsd/ipvsadm ≤ 0.4 and lvsd/floor ≤ 1.15;
 *   B. the same three on 1 service × B destinations;
 *   C. `lvsd ipvs list` vs `ipvsadm -Ln` on that B-destination table; goal ≤ 0.5. `node -e 0` is
 *      timed with them: the start-up of a Node process that loads nothing, a bound for any Node CLI.
 * Every run starts from an empty table and is checked (rule count) afterwards; each timing
 * includes process start (node ~1.6 s in UML). Times inside UML are only meaningful as ratios.
 * Usage: npm run build && node dist/bench/ipvs-restore.js [--services 1000] [--dests 10] [--big 10000] [--rounds 2] [--list-rounds 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeOp } from '../src/ipvs/codec.js';
import { parseRules } from '../src/ipvs/rules.js';
import { encodeMsg, NLM_F_ACK, NLM_F_REQUEST } from '../src/netlink/message.js';
import { repoRoot, runUml } from '../src/lab/uml.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

const S = arg('services', 1000);
const D = arg('dests', 10);
const B = arg('big', 10000);
const ROUNDS = arg('rounds', 2);
const LIST_ROUNDS = arg('list-rounds', 3);

/** S × D rules: services 10.1.x.y:80 wrr, dests 10.2.j.(i%250+1):8080 NAT. */
function gridRules(s: number, d: number): string {
  const lines: string[] = [];
  for (let i = 0; i < s; i++) {
    const vip = `10.1.${i >> 8}.${i & 255}:80`;
    lines.push(`-A -t ${vip} -s wrr`);
    for (let j = 0; j < d; j++) lines.push(`-a -t ${vip} -r 10.2.${j}.${(i % 250) + 2}:8080 -m -w 1`);
  }
  return lines.join('\n') + '\n';
}

/** 1 × b rules: one service, dests 10.2.x.y from 10.2.0.2 up. */
function bigRules(b: number): string {
  const lines = ['-A -t 10.1.200.1:80 -s wrr'];
  for (let k = 2; k < b + 2; k++) lines.push(`-a -t 10.1.200.1:80 -r 10.2.${k >> 8}.${k & 255}:8080 -m -w 1`);
  return lines.join('\n') + '\n';
}

/** The same rules pre-encoded as the floor replays them (type patched in the guest). */
function preEncoded(rules: string): Buffer {
  const ops = parseRules(rules).lines.flatMap((l) => (l.kind === 'op' ? [l.op] : []));
  return Buffer.concat(
    ops.map((op, i) =>
      encodeMsg({ type: 0, flags: NLM_F_REQUEST | NLM_F_ACK, seq: i + 1, pid: 0, payload: encodeOp(op).payload }),
    ),
  );
}

function guestScript(dir: string): string {
  const root = repoRoot();
  const tools: Record<string, (f: string) => string> = {
    ipvsadm: (f) => `ipvsadm -R < ${dir}/${f}.rules`,
    floor: (f) => `node ${root}/dist/bench/ipvs-floor.js ${dir}/${f}.bin > /dev/null`,
    lvsd: (f) => `${root}/bin/lvsd ipvs restore < ${dir}/${f}.rules`,
  };
  const order = ['ipvsadm', 'floor', 'lvsd'];
  const lines = [
    'ip link add v0 type veth peer name v1; ip addr add 10.2.0.1/16 dev v0; ip link set v0 up; ip link set v1 up',
    'i=0',
    't() { n=$1; shift; i=$((i+1)); s=$(date +%s%N); sh -c "$*" 2> "$OUT/err.$i"; rc=$?; e=$(date +%s%N); c=$(ipvsadm -Ln | grep -c "^  ->"); echo "$n $(( (e - s) / 1000000 )) $rc $c $i" >> "$OUT/timings"; }',
  ];
  for (const set of ['grid', 'big']) {
    for (let r = 0; r < ROUNDS; r++) {
      const rot = order.map((_, k) => order[(k + r) % order.length]);
      for (const tool of rot) lines.push('ipvsadm -C', `t ${set}-${tool} '${tools[tool](set)}'`);
    }
  }
  for (let r = 0; r < LIST_ROUNDS; r++) {
    lines.push(
      `t list-ipvsadm 'ipvsadm -Ln > /dev/null'`,
      `t list-lvsd '${root}/bin/lvsd ipvs list > /dev/null'`,
      `t list-node-e0 'node -e 0'`,
    );
  }
  lines.push(`node ${root}/dist/bench/ipvs-list.js ${LIST_ROUNDS} > "$OUT/inproc"`);
  lines.push('ipvsadm -C', 'exit 0');
  return lines.join('\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-bench-ipvs-'));
  try {
    for (const [name, rules] of [
      ['grid', gridRules(S, D)],
      ['big', bigRules(B)],
    ] as const) {
      writeFileSync(join(dir, `${name}.rules`), rules);
      writeFileSync(join(dir, `${name}.bin`), preEncoded(rules));
    }
    const r = await runUml({ name: 'bench-ipvs', script: guestScript(dir), timeoutMs: 3_600_000, mem: '1536M' });
    const { readFileSync } = await import('node:fs');
    const timings = readFileSync(join(r.outDir, 'timings'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    const inproc = readFileSync(join(r.outDir, 'inproc'), 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(l.split(' ')[1]));
    for (const ms of inproc) timings.push(['list-inproc', String(ms), '0', '-', '-']);
    for (const t of timings.filter((x) => x[2] !== '0'))
      console.log(`run ${t[0]} failed:\n${readFileSync(join(r.outDir, `err.${t[4]}`), 'utf8').slice(0, 2000)}`);
    r.cleanup();
    report(timings);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(rows: string[][]): void {
  const by = new Map<string, number[]>();
  for (const [name, ms, rc, count] of rows) {
    console.log(`run ${name}: ${ms} ms (exit ${rc}, ${count} destinations after)`);
    by.set(name, [...(by.get(name) ?? []), Number(ms)]);
  }
  const m = (n: string): number => median(by.get(n) ?? [NaN]);
  console.log(`\nIPVS benchmark in one UML boot (medians of interleaved runs; ${S}x${D}, 1x${B})`);
  for (const set of ['grid', 'big']) {
    const label = set === 'grid' ? `${S} services x ${D} dests` : `1 service x ${B} dests`;
    console.log(
      `${label}: ipvsadm -R ${(m(`${set}-ipvsadm`) / 1000).toFixed(2)} s, floor ${(m(`${set}-floor`) / 1000).toFixed(2)} s, lvsd restore ${(m(`${set}-lvsd`) / 1000).toFixed(2)} s`,
    );
    console.log(
      `  lvsd/ipvsadm = ${(m(`${set}-lvsd`) / m(`${set}-ipvsadm`)).toFixed(3)} (goal <= 0.4)   lvsd/floor = ${(m(`${set}-lvsd`) / m(`${set}-floor`)).toFixed(3)} (goal <= 1.15)`,
    );
  }
  console.log(
    `list of 1x${B}: ipvsadm -Ln ${m('list-ipvsadm')} ms, lvsd ipvs list ${m('list-lvsd')} ms, ratio ${(m('list-lvsd') / m('list-ipvsadm')).toFixed(3)} (goal <= 0.5)`,
  );
  console.log(
    `  in-process read+format (no process start): ${m('list-inproc')} ms, ratio to ipvsadm -Ln ${(m('list-inproc') / m('list-ipvsadm')).toFixed(3)}`,
  );
  const e0 = m('list-node-e0');
  console.log(
    `  \`node -e 0\` alone (any Node process, nothing loaded): ${e0} ms = ${(e0 / m('list-ipvsadm')).toFixed(2)} x ipvsadm -Ln; the goal needs lvsd <= ${(0.5 * m('list-ipvsadm')).toFixed(0)} ms`,
  );
}

void main();
