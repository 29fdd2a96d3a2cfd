/**
 * Runs bench/daemon-detect.ts inside user-mode Linux with the kernel dataplane: the backend nginx
 * lives in namespace `be` (10.201.0.2, reached over a veth), lvsd in the root namespace programs the
 * real IPVS table. Detection ends at the log line of the reconcile that wrote weight 0 to the kernel.
 *   npm run build && node dist/bench/daemon-detect-uml.js [TRIALS]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runUml } from '../src/lab/uml.js';

const trials = process.argv[2] ?? '20';
const script = `ip netns add be; ip link add d0 type veth peer name d1 netns be
ip addr add 10.201.0.1/24 dev d0; ip link set d0 up; ip -n be addr add 10.201.0.2/24 dev d1; ip -n be link set d1 up; ip -n be link set lo up
DATAPLANE=kernel NETNS=be BACKEND=10.201.0.2 node "$LVSD_ROOT/dist/bench/daemon-detect.js" ${trials} > "$OUT/detect.txt" 2>&1
echo "exit $?" >> "$OUT/detect.txt"`;
const r = await runUml({ name: 'daemon-detect', script, timeoutMs: 900_000 });
let text = '';
try {
  text = readFileSync(join(r.outDir, 'detect.txt'), 'utf8');
} catch {
  text = `(no output)\n${r.log}\n${r.console.slice(-2000)}`;
}
console.log(`UML (Linux 6.1, real IPVS), ${trials} trials; guest ${r.ok ? 'ok' : 'FAILED'} in ${r.durationMs} ms`);
console.log(text.trim());
r.cleanup();
