/**
 * Footprint on the host, memory dataplane: lvsd with SERVICES × DESTS real servers (default
 * 1,000 × 10 = 10,000), each with a TCP check (interval 2 s, warm-up spread), against a counting
 * TCP server in a SEPARATE process listening on 0.0.0.0 (every 127.x.y.z destination reaches it).
 * Reports: time from spawning lvsd to the first probe reaching the server (host clock), to "lvsd
 * started", RSS (VmRSS) after SETTLE seconds of probing and peak (VmHWM), probes/s seen at the server,
 * and lvsd's CPU time over the settle window. Goals: RSS ≤ 150 MB, start → first probe ≤ 300 ms.
 *   node dist/bench/daemon-footprint.js [SERVICES] [DESTS] [SETTLE_S]
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Lvsd, bigConfig, scratch } from './daemon-util.js';

const services = Number(process.argv[2] ?? 1000);
const dests = Number(process.argv[3] ?? 10);
const settle = Number(process.argv[4] ?? 15);
const PORT = 8080;

const SERVER = `const net=require('net');let n=0,first=0;const s=net.createServer((c)=>{if(!first){first=Date.now();process.stdout.write('first '+first+'\\n')}n++;c.on('error',()=>{});c.destroy()});
s.listen(${PORT},'0.0.0.0',()=>process.stdout.write('listening\\n'));setInterval(()=>process.stdout.write('count '+n+' '+Date.now()+'\\n'),1000);`;

function procStat(pid: number): { rssKb: number; hwmKb: number; cpuMs: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(st)?.[1] ?? NaN);
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / 100 };
}

async function main(): Promise<void> {
  const { dir, rm } = scratch('footprint');
  const cfg = join(dir, 'lvsd.toml');
  const check = `  [virtual_server.check]\n  type = "tcp"\n  interval = "2s"\n  timeout = "1s"\n`;
  writeFileSync(cfg, bigConfig({ dir, services, dests, check }));
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  server.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  while (!out.includes('listening')) await new Promise((r) => setTimeout(r, 20));
  const load0 = loadavg()[0]!;
  const t0 = Date.now();
  const d = new Lvsd(['-f', cfg, '--dataplane', 'memory']);
  try {
    const started = await d.next((l) => l.msg === 'lvsd started');
    while (!/first (\d+)/.test(out)) await new Promise((r) => setTimeout(r, 10));
    const first = Number(/first (\d+)/.exec(out)![1]);
    const a = procStat(d.proc.pid!);
    const c0 = Number([...out.matchAll(/count (\d+)/g)].at(-1)?.[1] ?? 0);
    await new Promise((r) => setTimeout(r, settle * 1000));
    const b = procStat(d.proc.pid!);
    const c1 = Number([...out.matchAll(/count (\d+)/g)].at(-1)?.[1] ?? 0);
    console.log(`${services * dests} destinations with TCP checks (interval 2s), memory dataplane`);
    console.log(
      `spawn → first probe at the server: ${first - t0} ms (goal ≤ 300 ms, ratio ${((first - t0) / 300).toFixed(2)}); spawn → "lvsd started": ${started.at - t0} ms`,
    );
    console.log(
      `RSS after ${settle}s of probing: ${(b.rssKb / 1024).toFixed(1)} MB (peak VmHWM ${(b.hwmKb / 1024).toFixed(1)} MB); goal ≤ 150 MB, ratio ${(b.rssKb / 1024 / 150).toFixed(2)}`,
    );
    console.log(
      `probes/s at the server ≈ ${((c1 - c0) / settle).toFixed(0)}; lvsd CPU over the window: ${(((b.cpuMs - a.cpuMs) / (settle * 1000)) * 100).toFixed(0)}% of one core`,
    );
    console.log(`load average (1 min) at spawn ${load0.toFixed(2)}, at the end ${loadavg()[0]!.toFixed(2)}`);
  } finally {
    await d.stop();
    server.kill('SIGKILL');
    rm();
  }
}

await main();
