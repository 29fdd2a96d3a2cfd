/**
 * Detection benchmark: a backend (nginx, single process) is killed with SIGKILL; how long until the
 * daemon has applied weight 0 (the reconcile line after the transition, host clock)? TRIALS trials
 * (default 20) against the bound fall × interval + timeout. HTTP check, interval 500 ms, timeout
 * 300 ms, fall 2, rise 1 → bound 1,300 ms. Memory dataplane on the host (DATAPLANE=kernel in UML).
 *   node dist/bench/daemon-detect.js [TRIALS]
 * In UML (kernel dataplane, backend in a namespace): node dist/bench/daemon-detect-uml.js [TRIALS]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lvsd, pct, scratch } from './daemon-util.js';

const trials = Number(process.argv[2] ?? 20);
const dataplane = process.env.DATAPLANE ?? 'memory';
const INTERVAL = 500,
  TIMEOUT = 300,
  FALL = 2;
const PORT = 18000 + (process.pid % 1000);
const ADDR = process.env.BACKEND ?? '127.0.0.1';

function nginx(dir: string): ChildProcess {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'nginx.conf'),
    `master_process off; daemon off; error_log stderr; pid ${dir}/pid; events { worker_connections 64; }
http { access_log off; server { listen ${ADDR}:${PORT}; location / { return 200 "ok\\n"; } } }`,
  );
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf')];
  // NETNS: run the backend in a namespace (UML: a non-local address, so IPVS keeps it as NAT)
  return process.env.NETNS
    ? spawn('ip', ['netns', 'exec', process.env.NETNS, 'nginx', ...args], { stdio: 'ignore' })
    : spawn('nginx', args, { stdio: 'ignore' });
}

async function main(): Promise<void> {
  const { dir, rm } = scratch('detect');
  const cfg = join(dir, 'lvsd.toml');
  writeFileSync(
    cfg,
    `[global]\ncontrol_socket = "${dir}/lvsd.sock"\nstate_file = "${dir}/state.json"\nresync_interval = "1h"\n
[[virtual_server]]\nname = "web"\naddress = "10.250.0.1"\nport = 80\n  [virtual_server.check]\n  type = "http"\n  interval = "${INTERVAL}ms"\n  timeout = "${TIMEOUT}ms"\n  rise = 1\n  fall = ${FALL}\n  warmup = false
  [[virtual_server.real_server]]\n  address = "${ADDR}"\n  port = ${PORT}\n  weight = 10\n`,
  );
  let ng = nginx(join(dir, 'ng'));
  const d = new Lvsd(['-f', cfg, '--dataplane', dataplane]);
  const out: number[] = [];
  try {
    let from = (await d.next((l) => l.msg === 'lvsd started')).i;
    for (let t = 0; t < trials; t++) {
      await new Promise((r) => setTimeout(r, 700 + Math.random() * INTERVAL)); // random phase vs the probe schedule
      const t0 = Date.now();
      ng.kill('SIGKILL');
      const down = await d.next((l) => l.msg === 'health transition' && l.to === 'down', from);
      const rec = await d.next((l) => l.msg === 'reconciled', down.i);
      out.push(rec.at - t0);
      ng = nginx(join(dir, 'ng'));
      const up = await d.next((l) => l.msg === 'health transition' && l.to === 'up', rec.i);
      from = (await d.next((l) => l.msg === 'reconciled', up.i)).i + 1;
    }
    const bound = FALL * INTERVAL + TIMEOUT;
    console.log(
      `detection (kill -9 → weight 0 applied, ${dataplane} dataplane), ${trials} trials, bound fall×interval+timeout = ${bound} ms`,
    );
    console.log(
      `min ${Math.min(...out)} ms, p50 ${pct(out, 50)} ms, p90 ${pct(out, 90)} ms, max ${Math.max(...out)} ms; within bound: ${out.filter((x) => x <= bound).length}/${trials}`,
    );
    console.log(`all: ${out.join(' ')}`);
  } finally {
    ng.kill('SIGKILL');
    await d.stop();
    rm();
  }
}

await main();
