/**
 * A weight watcher for bench/scale-guest.ts, started once inside a daemon's network namespace: for each
 * stdin line "VIP RS PORT WEIGHT" it reads the destinations of the TCP service VIP:80 from the kernel
 * (one GET_DEST dump over generic netlink, what `ipvsadm -Ln -t VIP:80` reads) every 25 ms until RS:PORT
 * has WEIGHT, then prints "seen". A resident process: `ipvsadm` started per poll costs 0.1-0.3 s in
 * user-mode Linux, more than the reloads it would time.
 *   ip netns exec NS node dist/bench/scale-poll.js
 */
import { createInterface } from 'node:readline';
import { IpvsClient } from '../src/ipvs/client.js';

const client = await IpvsClient.open();
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [vip, rs, port, weight] = line.trim().split(/\s+/);
  const id = { af: 'inet' as const, protocol: 'tcp' as const, address: vip!, port: 80 };
  for (;;) {
    const dests = await client.listDestinations(id, { stats: false });
    if (dests.some((d) => d.address === rs && d.port === Number(port) && d.weight === Number(weight))) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  process.stdout.write('seen\n');
}
client.close();
