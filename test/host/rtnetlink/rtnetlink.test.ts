/**
 * rtnetlink against the host kernel inside a throwaway namespace: sockets are opened inside it with
 * withNetns, and every result is checked against what `ip` itself reports or does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withNetns } from '../../../native/netns.js';
import { Rtnetlink } from '../../../src/rtnetlink/client.js';
import { IFA_F_NODAD } from '../../../src/rtnetlink/codec.js';
import { subscribeLinkAddr, type LinkAddrEvent } from '../../../src/rtnetlink/events.js';
import { Netns } from '../../support/netns.js';
import { rejection } from '../../support/rejection.js';
import { hasRoot } from '../../support/root.js';

/** Waits until `pred` holds for some collected event, or fails after `ms`. */
async function waitFor(
  events: LinkAddrEvent[],
  pred: (e: LinkAddrEvent) => boolean,
  what: string,
  ms = 3000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!events.some(pred)) {
    if (Date.now() > end) throw new Error(`no event: ${what}; saw ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!hasRoot('host: rtnetlink in a namespace'))('Rtnetlink in a namespace', () => {
  let ns: Netns;
  let rt: Rtnetlink;
  let v0: number;

  beforeAll(() => {
    ns = new Netns('rtn');
    ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ns.ip('link', 'set', 'v0', 'address', '02:00:00:00:00:07');
    rt = withNetns(ns.name, () => Rtnetlink.open());
    v0 = Number(/^(\d+):/.exec(ns.ip('-o', 'link', 'show', 'v0'))![1]);
  });
  afterAll(() => {
    rt?.close();
    ns?.cleanup();
  });

  it('looks up interfaces and lists links as ip does', async () => {
    expect(await rt.linkIndex('v0')).toBe(v0);
    expect(await rt.linkIndex('lo')).toBe(1);
    const links = await rt.listLinks();
    expect(links.map((l) => l.name).sort()).toEqual(['lo', 'v0', 'v1']);
    expect(links.find((l) => l.name === 'v0')).toMatchObject({ index: v0, up: false, mac: '02:00:00:00:00:07' });
    expect(links.find((l) => l.name === 'lo')).toMatchObject({ up: true, running: true });
    expect(await rejection(rt.linkIndex('nosuch0'))).toMatchObject({ code: 'ENODEV', op: 'RTM_GETLINK nosuch0' });
  });

  it('adds, lists and deletes IPv4 (with label) and IPv6 (nodad) addresses', async () => {
    await rt.addAddress({ ifindex: v0, address: '192.0.2.10', prefixlen: 24, label: 'v0:vip' });
    await rt.addAddress({ ifindex: v0, address: '2001:db8::10', prefixlen: 128, nodad: true });
    const shown = ns.ip('-o', 'addr', 'show', 'dev', 'v0');
    expect(shown).toMatch(/inet 192\.0\.2\.10\/24 .*v0:vip/);
    expect(shown).toMatch(/inet6 2001:db8::10\/128 .*nodad/);
    const mine = await rt.listAddresses({ ifindex: v0 });
    expect(mine.find((a) => a.address === '192.0.2.10')).toMatchObject({
      family: 'inet',
      prefixlen: 24,
      label: 'v0:vip',
    });
    const v6 = mine.find((a) => a.address === '2001:db8::10')!;
    expect(v6.flags & IFA_F_NODAD).toBe(IFA_F_NODAD);
    expect((await rt.listAddresses({ family: 'inet' })).every((a) => a.family === 'inet')).toBe(true);
    await rt.delAddress({ ifindex: v0, address: '192.0.2.10', prefixlen: 24 });
    await rt.delAddress({ ifindex: v0, address: '2001:db8::10', prefixlen: 128 });
    expect(ns.ip('-o', 'addr', 'show', 'dev', 'v0')).not.toMatch(/192\.0\.2\.10|2001:db8::10/);
  });

  it('sees addresses that ip added', async () => {
    ns.ip('addr', 'add', '198.51.100.1/32', 'dev', 'v0');
    try {
      expect((await rt.listAddresses({ ifindex: v0 })).map((a) => a.address)).toContain('198.51.100.1');
    } finally {
      ns.ip('addr', 'del', '198.51.100.1/32', 'dev', 'v0');
    }
  });

  it('refuses a duplicate add (EEXIST), deleting a missing address (EADDRNOTAVAIL), a bad ifindex (ENODEV)', async () => {
    const a = { ifindex: v0, address: '192.0.2.20', prefixlen: 32 };
    await rt.addAddress(a);
    try {
      expect(await rejection(rt.addAddress(a))).toMatchObject({
        code: 'EEXIST',
        op: `RTM_NEWADDR 192.0.2.20/32 dev ${v0}`,
      });
    } finally {
      await rt.delAddress(a);
    }
    expect(await rejection(rt.delAddress(a))).toMatchObject({ code: 'EADDRNOTAVAIL' });
    const e = await rejection(rt.addAddress({ ...a, ifindex: 9999 }));
    expect(e).toMatchObject({ code: 'ENODEV' });
    expect(e.message).toContain('RTM_NEWADDR 192.0.2.20/32 dev 9999');
  });

  it('reports link down/up and address add/del made by ip', async () => {
    const events: LinkAddrEvent[] = [];
    const sub = withNetns(ns.name, () => subscribeLinkAddr((e) => events.push(e)));
    try {
      ns.ip('link', 'set', 'v0', 'up');
      ns.ip('link', 'set', 'v1', 'up');
      await waitFor(events, (e) => e.kind === 'link' && e.name === 'v0' && e.up && e.lowerUp, 'v0 up with carrier');
      ns.ip('addr', 'add', '203.0.113.5/24', 'dev', 'v0', 'label', 'v0:ev');
      await waitFor(
        events,
        (e) => e.kind === 'addr' && e.added && e.address === '203.0.113.5' && e.label === 'v0:ev',
        'address added',
      );
      ns.ip('addr', 'del', '203.0.113.5/24', 'dev', 'v0');
      await waitFor(events, (e) => e.kind === 'addr' && !e.added && e.address === '203.0.113.5', 'address removed');
      ns.ip('link', 'set', 'v1', 'down');
      await waitFor(events, (e) => e.kind === 'link' && e.name === 'v0' && e.up && !e.lowerUp, 'v0 lost carrier');
      ns.ip('link', 'set', 'v0', 'down');
      await waitFor(events, (e) => e.kind === 'link' && e.name === 'v0' && !e.up, 'v0 down');
      expect(events.some((e) => e.kind === 'link' && e.name === 'v1' && e.index !== v0)).toBe(true);
    } finally {
      sub.close();
    }
  });
});
