/**
 * The anchor's "naive Node client": N TCP connects per second (each target once per second, from
 * setInterval ticks every 10 ms), closed with RST, nothing else: no scheduler, no state, no metrics.
 * Prints its own CPU over the window as JSON. Usage: node dist/bench/health-naive.js <n> <port> <warmupS> <measureS>
 */
import * as net from 'node:net';

const [n, port, warmS, measureS] = process.argv.slice(2).map(Number);
const addr = (i: number) => `127.${50 + Math.floor(i / 62500)}.${Math.floor((i % 62500) / 250)}.${(i % 250) + 1}`;
let next = 0;
let done = 0;
let ok = 0;
setInterval(() => {
  for (let k = 0; k < n / 100; k++) {
    const s = net.connect({ host: addr(next++ % n), port });
    s.on('connect', () => (ok++, done++, s.resetAndDestroy()));
    s.on('error', () => (done++, s.destroy()));
  }
}, 10);
setTimeout(() => {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const d0 = done;
  setTimeout(() => {
    const cpu = process.cpuUsage(cpu0);
    const wall = (performance.now() - t0) * 1000;
    const out = {
      connectsPerS: Math.round(((done - d0) * 1e6) / wall),
      okRatio: +(ok / done).toFixed(4),
      cpuCores: +((cpu.user + cpu.system) / wall).toFixed(3),
      userCores: +(cpu.user / wall).toFixed(3),
      systemCores: +(cpu.system / wall).toFixed(3),
    };
    process.stdout.write(JSON.stringify(out) + '\n');
    process.exit(0);
  }, measureS * 1000);
}, warmS * 1000);
