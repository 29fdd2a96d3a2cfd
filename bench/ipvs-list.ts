/**
 * In-process cost of reading and printing the kernel's IPVS table (no process start): opens the
 * client once, then `reps` times reads the whole table (dumps + decode) and formats it like
 * `ipvsadm -Ln`. Run inside a guest with IPVS: node dist/bench/ipvs-list.js [reps]
 * Prints one line per rep: "inproc-list <ms> <destinations>".
 */
import { IpvsClient } from '../src/ipvs/client.js';
import { formatList } from '../src/ipvs/format.js';

async function main(): Promise<void> {
  const reps = Number(process.argv[2] ?? 3);
  const c = await IpvsClient.open({ timeoutMs: 60_000 });
  const info = await c.info();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const table = await c.readTable();
    const text = formatList(table, info);
    const ms = performance.now() - t0;
    const dests = table.services.reduce((n, s) => n + s.destinations.length, 0);
    process.stdout.write(`inproc-list ${ms.toFixed(0)} ${dests} ${text.length}\n`);
  }
  c.close();
}

void main();
