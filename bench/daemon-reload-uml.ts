/**
 * Runs bench/daemon-reload.ts inside user-mode Linux against the real IPVS table (kernel dataplane),
 * destinations 10.200.y.z routed through a veth (not local, so IPVS keeps them as NAT).
 *   npm run build && node dist/bench/daemon-reload-uml.js [SERVICES] [DESTS] [ROUNDS]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runUml } from '../src/lab/uml.js';

const [services, dests, rounds] = [process.argv[2] ?? '1000', process.argv[3] ?? '10', process.argv[4] ?? '5'];
const script = `ip netns add gw; ip link add d0 type veth peer name d1 netns gw
ip addr add 10.199.0.1/24 dev d0; ip link set d0 up; ip -n gw addr add 10.199.0.2/24 dev d1; ip -n gw link set d1 up
ip route add 10.200.0.0/16 via 10.199.0.2
DATAPLANE=kernel DEST_NET=10.200 node "$LVSD_ROOT/dist/bench/daemon-reload.js" ${services} ${dests} ${rounds} > "$OUT/reload.txt" 2>&1
echo "exit $?" >> "$OUT/reload.txt"`;
const r = await runUml({ name: 'daemon-reload', script, timeoutMs: 1_200_000, mem: '1G' });
let text = '';
try {
  text = readFileSync(join(r.outDir, 'reload.txt'), 'utf8');
} catch {
  text = `(no output)\n${r.log}\n${r.console.slice(-2000)}`;
}
console.log(
  `UML (Linux 6.1, real IPVS), ${services} × ${dests}, ${rounds} reloads; guest ${r.ok ? 'ok' : 'FAILED'} in ${r.durationMs} ms`,
);
console.log(text.trim());
r.cleanup();
