/**
 * The announcement contract with real speakers, no lvsd process yet: a host route lvsd's KernelRoutes
 * puts into kernel table N on a director is exported by that director's speaker (BIRD, or FRR) and
 * installed at the router (BIRD); removing it withdraws it there. Both directors announcing the same
 * VIP make one ECMP route at the router. Cutting one director's link is noticed by BFD (100 ms × 3).
 *
 *   d1 (BIRD) 10.77.0.2 ─┐
 *   d2 (FRR)  10.77.0.3 ─┼─ br0 in hub ─ router (BIRD, merge paths) 10.77.0.1
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withNetns } from '../../../native/netns.js';
import { KernelRoutes } from '../../../src/announce/routes.js';
import { FAST_BFD } from '../../../src/lab/speakers.js';
import { Rtnetlink } from '../../../src/rtnetlink/client.js';
import { Netns, bridge } from '../../support/netns.js';
import { hasRoot } from '../../support/root.js';
import {
  pathsTo,
  routeWatcher,
  startBirdDirector,
  startBirdRouter,
  startFrrDirector,
  waitUntil,
  type Speaker,
} from '../../support/speakers.js';

const TABLE = 201; // FRR imports tables 1..252 only
const T = { table: TABLE, protocol: 201 };
const VIP = '192.0.2.80';

describe.skipIf(!hasRoot('host: BGP speakers exporting the announcement table'))('speakers export table N', () => {
  const nss: Netns[] = [];
  const speakers: Speaker[] = [];
  const rts: Rtnetlink[] = [];
  let hub: Netns, d1: Netns, d2: Netns, router: Netns;
  let k1: KernelRoutes, k2: KernelRoutes;
  let watch: ReturnType<typeof routeWatcher>;
  let birdRouter: ReturnType<typeof startBirdRouter>;
  const paths = async (): Promise<string[]> => pathsTo(await watch.routes(), VIP);
  const waitPaths = (want: string[], ms = 10_000): Promise<number> =>
    waitUntil(
      async () => JSON.stringify(await paths()) === JSON.stringify(want),
      `paths ${want.join(',') || 'none'} at the router`,
      ms,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${birdRouter.birdc('show route all')}\n${logs()}`);
    });
  const logs = (): string =>
    speakers
      .map((s) => s.log())
      .join('\n')
      .slice(-6000);

  beforeAll(async () => {
    [hub, d1, d2, router] = ['hub', 'd1', 'd2', 'rtr'].map((t) => new Netns(`spk${t}`));
    nss.push(hub, d1, d2, router);
    bridge(hub, [
      { ns: d1, addr: '10.77.0.2/24' },
      { ns: d2, addr: '10.77.0.3/24' },
      { ns: router, addr: '10.77.0.1/24' },
    ]);
    const up = { address: '10.77.0.1', as: 65000 };
    birdRouter = startBirdRouter(router, {
      routerId: '10.77.0.1',
      as: 65000,
      neighbors: [
        { address: '10.77.0.2', as: 65001 },
        { address: '10.77.0.3', as: 65001 },
      ],
      bfd: FAST_BFD,
    });
    speakers.push(birdRouter);
    speakers.push(
      startBirdDirector(d1, { routerId: '10.77.0.2', as: 65001, table: TABLE, neighbors: [up], bfd: FAST_BFD }),
    );
    speakers.push(
      startFrrDirector(d2, { routerId: '10.77.0.3', as: 65001, table: TABLE, neighbors: [up], bfd: FAST_BFD }),
    );
    for (const ns of [d1, d2]) rts.push(withNetns(ns.name, () => Rtnetlink.open()));
    [k1, k2] = rts.map((rt) => new KernelRoutes(rt, T));
    watch = routeWatcher(router);
    await waitUntil(
      () => (birdRouter.birdc('show protocols').match(/Established/g) ?? []).length === 2,
      'both BGP sessions established',
      60_000,
      200,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${birdRouter.birdc('show protocols')}\n${logs()}`);
    });
  });
  afterAll(() => {
    watch?.close();
    for (const rt of rts) rt.close();
    for (const s of speakers) s.stop();
    for (const ns of nss) ns.cleanup();
  });

  it('a route in table N reaches the router through BIRD and through FRR, as one ECMP route, and leaves on delete', async () => {
    expect(await paths()).toEqual([]);
    expect(await k1.sync([VIP])).toMatchObject({ added: [VIP], failed: [] });
    await waitPaths(['10.77.0.2']);
    await k2.sync([VIP]);
    await waitPaths(['10.77.0.2', '10.77.0.3']);
    await k1.sync([]);
    await waitPaths(['10.77.0.3']);
    await k2.sync([]);
    await waitPaths([]);
  });

  it("BFD (100 ms x 3) removes a director's path within 0.5 s of its link dying, and it returns with the link", async () => {
    await k1.sync([VIP]);
    await k2.sync([VIP]);
    await waitPaths(['10.77.0.2', '10.77.0.3']);
    await waitUntil(
      () => /10\.77\.0\.2\s+\S+\s+Up/.test(birdRouter.birdc('show bfd sessions')),
      'BFD up with d1',
      10_000,
      100,
    );
    hub.ip('link', 'set', 'p0', 'down');
    try {
      const ms = await waitPaths(['10.77.0.3'], 5000);
      expect(ms).toBeLessThan(500);
    } finally {
      hub.ip('link', 'set', 'p0', 'up');
    }
    await waitPaths(['10.77.0.2', '10.77.0.3'], 30_000);
    await k1.sync([]);
    await k2.sync([]);
    await waitPaths([]);
  });
});
