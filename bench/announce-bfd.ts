/**
 * Director crash → its path gone at the router, with BFD (100 ms × 3) and, as the anchor measured in
 * the same run, without BFD (BGP hold timer 3 s, the shortest BGP allows). Root; `npm run build` first.
 *   node dist/bench/announce-bfd.js [trials=20] [anchorTrials=5]
 * Host namespaces: two BIRD directors announce one VIP to a BIRD router (ECMP, 2 paths); director 1's
 * bridge port is taken down (its link dies, the router's own link stays up, so only BFD or the hold
 * timer can notice) and the time until the router's kernel route has only director 2's path is
 * measured by polling the router's table over rtnetlink every 5 ms.
 */
import { withNetns } from '../native/netns.js';
import { KernelRoutes } from '../src/announce/routes.js';
import { FAST_BFD } from '../src/lab/speakers.js';
import { Rtnetlink } from '../src/rtnetlink/client.js';
import { Netns, bridge } from '../test/support/netns.js';
import {
  pathsTo,
  routeWatcher,
  startBirdDirector,
  startBirdRouter,
  waitUntil,
  type Speaker,
} from '../test/support/speakers.js';

const VIP = '192.0.2.80';
const T = { table: 200, protocol: 201 };

async function trials(n: number, bfd: boolean): Promise<number[]> {
  const nss = ['hub', 'd1', 'd2', 'rtr'].map((t) => new Netns(`bfd${t}`));
  const [hub, d1, d2, router] = nss;
  const speakers: Speaker[] = [];
  const rts: Rtnetlink[] = [];
  const watch = routeWatcher(router);
  try {
    bridge(hub, [
      { ns: d1, addr: '10.78.0.2/24' },
      { ns: d2, addr: '10.78.0.3/24' },
      { ns: router, addr: '10.78.0.1/24' },
    ]);
    const timers = bfd ? FAST_BFD : undefined;
    const hold = bfd ? undefined : 3;
    const rtrSpeaker = startBirdRouter(router, {
      routerId: '10.78.0.1',
      as: 65000,
      neighbors: [
        { address: '10.78.0.2', as: 65001 },
        { address: '10.78.0.3', as: 65001 },
      ],
      bfd: timers,
      holdTime: hold,
    });
    speakers.push(rtrSpeaker);
    for (const [ns, addr] of [
      [d1, '10.78.0.2'],
      [d2, '10.78.0.3'],
    ] as const) {
      speakers.push(
        startBirdDirector(ns, {
          routerId: addr,
          as: 65001,
          table: T.table,
          neighbors: [{ address: '10.78.0.1', as: 65000 }],
          bfd: timers,
          holdTime: hold,
        }),
      );
      const rt = withNetns(ns.name, () => Rtnetlink.open());
      rts.push(rt);
      await new KernelRoutes(rt, T).sync([VIP]);
    }
    const paths = async (): Promise<string> => pathsTo(await watch.routes(), VIP).join(',');
    const out: number[] = [];
    for (let t = 0; t < n; t++) {
      await waitUntil(async () => (await paths()) === '10.78.0.2,10.78.0.3', 'both paths', 60_000, 50);
      if (bfd)
        await waitUntil(
          () => /10\.78\.0\.2\s+\S+\s+Up/.test(rtrSpeaker.birdc('show bfd sessions')),
          'BFD up',
          10_000,
          50,
        );
      await new Promise((r) => setTimeout(r, 500));
      const t0 = performance.now();
      hub.ip('link', 'set', 'p0', 'down');
      await waitUntil(async () => (await paths()) === '10.78.0.3', 'path of d1 gone', 30_000, 5);
      out.push(performance.now() - t0);
      hub.ip('link', 'set', 'p0', 'up');
    }
    return out;
  } finally {
    watch.close();
    for (const rt of rts) rt.close();
    for (const s of speakers) s.stop();
    for (const ns of nss) ns.cleanup();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20);
  const anchorN = Number(process.argv[3] ?? 5);
  const withBfd = await trials(n, true);
  const anchor = await trials(anchorN, false);
  const row = (name: string, xs: number[]): string =>
    `| ${name} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)} | ${xs.length} |`;
  console.log('| crash → path gone at the router | median (ms) | range (ms) | n |');
  console.log('|---|---|---|---|');
  console.log(row('BFD 100 ms x 3', withBfd));
  console.log(row('anchor: BGP hold time 3 s, no BFD', anchor));
  console.log(`BFD / anchor (medians): ${(median(withBfd) / median(anchor)).toFixed(3)}; goal: BFD median <= 500 ms`);
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
