/**
 * Runtime control → kernel latency (goal: 50 ms p99).
 *
 * host (default): lvsd --dataplane memory with SERVICES × DESTS real servers; ROUNDS `weight`
 *   requests over the control socket (request → answer; the daemon answers after the pass that
 *   applied the change, so the answer time is the time to the table), then ROUNDS/5 whole `lvsctl
 *   weight` processes (node start included). Absolute times, host clock.
 * uml (`uml` as first argument): the kernel test's guest (test/kernel/runtime-control-scenario.ts)
 *   with real IPVS times `lvsctl weight` against `ipvsadm -e` of the same weight, interleaved,
 *   ROUNDS each; printed as ratios only (times inside user-mode Linux are not real-hardware times).
 *   node dist/bench/control-latency.js [host|uml] [ROUNDS] [SERVICES] [DESTS]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from '../src/control/client.js';
import { runUml } from '../src/lab/uml.js';
import { runtimeControlScript } from '../test/kernel/runtime-control-scenario.js';
import { Lvsd, ROOT, bigConfig, pct, scratch } from './daemon-util.js';

const mode = process.argv[2] ?? 'host';
const rounds = Number(process.argv[3] ?? (mode === 'uml' ? 40 : 500));
const services = Number(process.argv[4] ?? 100);
const dests = Number(process.argv[5] ?? 100);

const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(2)} ms  p99 ${pct(xs, 99).toFixed(2)} ms  max ${Math.max(...xs).toFixed(2)} ms`;

async function host(): Promise<void> {
  const { dir, rm } = scratch('ctl');
  const cfg = join(dir, 'lvsd.toml');
  writeFileSync(cfg, bigConfig({ dir, services, dests }));
  const d = new Lvsd(['-f', cfg, '--dataplane', 'memory']);
  const sock = join(dir, 'lvsd.sock');
  try {
    await d.next((l) => l.msg === 'lvsd started');
    const rs = '127.1.0.1:8080'; // vs0's second real server
    const socketMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const r = await request(sock, { cmd: 'weight', vs: 'vs0', rs, weight: 10 + (i % 2) });
      socketMs.push(performance.now() - t0);
      const kernel = r.ok ? (r.result as { kernel: string[] }).kernel : [];
      if (kernel.length !== 1) throw new Error(`round ${i}: expected one kernel op, got ${JSON.stringify(r)}`);
    }
    const cliMs: number[] = [];
    for (let i = 0; i < Math.max(5, rounds / 5); i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [
        join(ROOT, 'bin/lvsctl'),
        '-s',
        sock,
        'weight',
        'vs0',
        rs,
        String(20 + (i % 2)),
      ]);
      cliMs.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`lvsctl failed: ${r.stderr}`);
    }
    console.log(
      `control → table, memory dataplane, ${services}×${dests} real servers, load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    console.log(`  control socket request → answered after the pass (n=${socketMs.length}): ${fmt(socketMs)}`);
    console.log(`  whole lvsctl process, node start included (n=${cliMs.length}):        ${fmt(cliMs)}`);
  } finally {
    await d.stop();
    rm();
  }
}

async function uml(): Promise<void> {
  const r = await runUml({
    name: 'ctl-latency',
    script: runtimeControlScript({ latencyRounds: rounds }),
    timeoutMs: 600_000,
  });
  try {
    const { readFileSync } = await import('node:fs');
    const rows = readFileSync(join(r.outDir, 'w', 'latency.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(Number));
    const ctl = rows.map((x) => x[0]! / 1000);
    const ipvsadm = rows.map((x) => x[1]! / 1000);
    const applied = rows.filter((x) => x[2] === 0).length;
    console.log(
      `UML, real IPVS, ${rows.length} interleaved rounds, host load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    console.log(`  weight in ipvsadm right after lvsctl returned: ${applied}/${rows.length}`);
    console.log(
      `  lvsctl weight / ipvsadm -e: p50 ${(pct(ctl, 50) / pct(ipvsadm, 50)).toFixed(2)}×  p99 ${(pct(ctl, 99) / pct(ipvsadm, 99)).toFixed(2)}×`,
    );
  } finally {
    r.cleanup();
  }
}

await (mode === 'uml' ? uml() : host());
