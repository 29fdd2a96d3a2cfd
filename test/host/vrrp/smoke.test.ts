import { afterAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { Lab, until } from './lab.js';

describe.skipIf(!hasRoot('host: VRRP smoke'))('VRRP smoke: lvsd alone', () => {
  const lab = new Lab('vsm', 1);
  afterAll(() => lab.close());
  it('becomes MASTER and adds the VIP', async () => {
    const vip = `${lab.net}.50`;
    lab.startLvsd(0, { vrid: 51, priority: 100, version: 3, intervalMs: 100, vips: [`${vip}/24`] });
    try {
      await until(() => lab.holds(0, vip), 10000, 'VIP on lb1');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${lab.dump()}`);
    }
    expect(lab.holds(0, vip)).toBe(true);
  });
});
