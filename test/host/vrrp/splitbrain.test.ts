import { afterEach, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { Lab, until, type Inst } from './lab.js';

/** Partitions router 0 from the bridge (nftables drop on its bridge port p0) and heals it. */
function partition(lab: Lab, on: boolean): void {
  if (on) {
    lab.hub.exec(
      'nft',
      ['-f', '-'],
      'table bridge vrrp_split {\n chain cut { type filter hook forward priority 0; iifname "p0" drop; oifname "p0" drop; }\n}\n',
    );
  } else lab.hub.exec('nft', ['delete', 'table', 'bridge', 'vrrp_split']);
}

async function splitBrain(lab: Lab, master: 'lvsd' | 'keepalived'): Promise<number> {
  const vip = `${lab.net}.70`;
  const inst = (priority: number): Inst => ({ vrid: 70, priority, version: 3, intervalMs: 100, vips: [`${vip}/24`] });
  if (master === 'lvsd') lab.startLvsd(0, inst(150));
  else lab.startKeepalived(0, inst(150));
  lab.startLvsd(1, inst(100));
  await until(() => lab.holds(0, vip) && !lab.holds(1, vip), 10_000, 'router 0 master');
  partition(lab, true);
  await until(() => lab.holds(0, vip) && lab.holds(1, vip), 3000, 'both masters during the partition');
  await new Promise((r) => setTimeout(r, 500));
  expect(lab.holders(vip)).toEqual([0, 1]);
  const n = lab.routers[1]!.events.length;
  const lifted = Date.now();
  partition(lab, false);
  await until(() => lab.routers[1]!.events.slice(n).some((e) => e.to === 'BACKUP'), 3000, 'router 1 back to BACKUP');
  const ev = lab.routers[1]!.events.slice(n).find((e) => e.to === 'BACKUP')!;
  await until(() => !lab.holds(1, vip), 1000, 'router 1 releasing the VIP');
  expect(lab.holders(vip)).toEqual([0]);
  return (ev.wall as number) - lifted;
}

describe.skipIf(!hasRoot('host: VRRP split brain'))(
  'VRRP split brain heals (nftables partition on the bridge port)',
  () => {
    let lab: Lab | undefined;
    afterEach(() => lab?.close());
    // one advert interval (100 ms) + skew of the backup (156/256 × 100 ms ≈ 61 ms), plus 25 ms for
    // the nft command and process scheduling
    const BOUND = 100 + 61 + 25;

    it('lvsd ↔ lvsd: exactly one master within one advert interval + skew after the partition lifts', async () => {
      lab = new Lab('vsb1');
      const ms = await splitBrain(lab, 'lvsd');
      expect(ms).toBeLessThanOrEqual(BOUND);
    });

    it('keepalived ↔ lvsd: the lower-priority lvsd yields within one advert interval + skew', async () => {
      lab = new Lab('vsb2');
      const ms = await splitBrain(lab, 'keepalived');
      expect(ms).toBeLessThanOrEqual(BOUND);
    });
  },
);
