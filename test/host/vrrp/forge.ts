/**
 * Forged VRRP adverts for the attack tests (helper, not a test): the catalogue of malformed and
 * spoofed kinds, each with the reason an lvsd backup drops it for, sent through bench/vrrp-inject.ts.
 */
import { Injector } from '../../../bench/vrrp-inject.js';
import { ipBytes } from '../../../native/ip.js';
import { inetChecksum, pseudoV4 } from '../../../src/vrrp/checksum.js';
import { encodeAdvert, VRRP_GROUP_V4, type Advert } from '../../../src/vrrp/packet.js';

export { Injector };

/** Who is who on the lab's segment. */
export interface Cast {
  master: string;
  backup: string;
  attacker: string;
  vip: string;
  vrid: number;
}

/** What one attack sends, given the cast and a way to wait for the master's next real advert. */
export interface Attack {
  name: string;
  /** What the attacker does, for the table. */
  what: string;
  /** The reason an lvsd backup counts it under; undefined: accepted but harmless by design. */
  reason?: string;
  send(inj: Injector, c: Cast, afterRealAdvert: () => Promise<void>): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A v3 advert for the cast's VRID and VIP, with the given fields changed. */
export function advert(c: Cast, over: Partial<Advert> = {}): Advert {
  return { version: 3, vrid: c.vrid, priority: 200, intervalCs: 100, addresses: [c.vip], ...over };
}

/** Re-checksums a v3/IPv4 message after its bytes were edited (pseudo-header with src and dst). */
function rechecksum(msg: Buffer, src: string, dst = VRRP_GROUP_V4): Buffer {
  msg.writeUInt16BE(0, 6);
  msg.writeUInt16BE(inetChecksum(pseudoV4(ipBytes(src), ipBytes(dst), 112, msg.length), msg), 6);
  return msg;
}

/** `n` packets, `gapMs` apart. */
async function burst(n: number, gapMs: number, one: () => void): Promise<void> {
  for (let i = 0; i < n; i++) {
    one();
    await sleep(gapMs);
  }
}

/** A priority-0 storm from `src`: 20 ms apart for 2 s, its last packets just after one of the master's real adverts. */
async function resignStorm(inj: Injector, c: Cast, src: string, afterRealAdvert: () => Promise<void>): Promise<void> {
  const msg = encodeAdvert(advert(c, { priority: 0 }), src, VRRP_GROUP_V4);
  await burst(100, 20, () => inj.send(msg, { src }));
  await afterRealAdvert();
  await burst(3, 20, () => inj.send(msg, { src }));
}

/** Every malformed and spoofed kind, multicast v3. */
export const ATTACKS: Attack[] = [
  {
    name: 'short',
    what: '6 bytes of VRRP',
    reason: 'too-short',
    send: async (inj, c) =>
      inj.send(encodeAdvert(advert(c), c.attacker, VRRP_GROUP_V4).subarray(0, 6), { src: c.attacker }),
  },
  {
    name: 'truncated',
    what: 'priority 200, address list cut by 2 bytes',
    reason: 'length',
    send: async (inj, c) =>
      inj.send(encodeAdvert(advert(c), c.attacker, VRRP_GROUP_V4).subarray(0, 10), { src: c.attacker }),
  },
  {
    name: 'trailing',
    what: 'priority 200, 4 bytes of garbage after the addresses',
    reason: 'length',
    send: async (inj, c) =>
      inj.send(Buffer.concat([encodeAdvert(advert(c), c.attacker, VRRP_GROUP_V4), Buffer.alloc(4, 0xee)]), {
        src: c.attacker,
      }),
  },
  {
    name: 'bad checksum',
    what: 'priority 200, checksum off by one bit',
    reason: 'checksum',
    send: async (inj, c) => {
      const m = encodeAdvert(advert(c), c.attacker, VRRP_GROUP_V4);
      m[7] ^= 1;
      inj.send(m, { src: c.attacker });
    },
  },
  {
    name: 'TTL 254',
    what: 'priority 200 with TTL 254 (one router away)',
    reason: 'ttl',
    send: async (inj, c) => inj.send(encodeAdvert(advert(c), c.attacker, VRRP_GROUP_V4), { src: c.attacker, ttl: 254 }),
  },
  {
    name: 'wrong version',
    what: 'a VRRPv2 advert, priority 200, to a v3 group',
    reason: 'version',
    send: async (inj, c) =>
      inj.send(encodeAdvert(advert(c, { version: 2 }), c.attacker, VRRP_GROUP_V4), { src: c.attacker }),
  },
  {
    name: 'wrong VRID',
    what: 'priority 200 for VRID + 1',
    reason: 'vrid',
    send: async (inj, c) =>
      inj.send(encodeAdvert(advert(c, { vrid: c.vrid + 1 }), c.attacker, VRRP_GROUP_V4), { src: c.attacker }),
  },
  {
    name: 'wrong type',
    what: 'type 2 (not an advertisement), priority 200',
    reason: 'type',
    send: async (inj, c) => {
      const m = encodeAdvert(advert(c), c.attacker, VRRP_GROUP_V4);
      m[0] = 0x32;
      inj.send(rechecksum(m, c.attacker), { src: c.attacker });
    },
  },
  {
    name: 'unicast to a multicast group',
    what: "priority 200 sent to the backup's own address",
    reason: 'destination',
    send: async (inj, c) => inj.send(encodeAdvert(advert(c), c.attacker, c.backup), { src: c.attacker, dst: c.backup }),
  },
  {
    name: 'interval 0',
    what: "priority 150, interval 0, the master's address as source (issue 12 defect 3)",
    reason: 'interval-zero',
    send: async (inj, c) =>
      inj.send(encodeAdvert(advert(c, { priority: 150, intervalCs: 0 }), c.master, VRRP_GROUP_V4), { src: c.master }),
  },
  {
    name: 'interval 10 ms',
    what: "priority 150, interval 10 ms, the master's address as source",
    send: async (inj, c) =>
      inj.send(encodeAdvert(advert(c, { priority: 150, intervalCs: 1 }), c.master, VRRP_GROUP_V4), { src: c.master }),
  },
  {
    name: 'address list',
    what: 'priority 200 listing 192.0.2.99 instead of the VIP (issue 12 defect 4)',
    reason: 'address-list',
    send: async (inj, c) =>
      inj.send(encodeAdvert(advert(c, { addresses: ['192.0.2.99'] }), c.attacker, VRRP_GROUP_V4), { src: c.attacker }),
  },
  {
    name: '255 addresses',
    what: 'priority 200 listing 255 random addresses',
    reason: 'address-count',
    send: async (inj, c) => {
      const addresses = Array.from({ length: 255 }, (_, i) => `198.51.${(i * 7) & 255}.${i}`);
      inj.send(encodeAdvert(advert(c, { addresses }), c.attacker, VRRP_GROUP_V4), { src: c.attacker });
    },
  },
  {
    name: "master's address",
    what: "priority 254 with the master's own address as source",
    send: async (inj, c) =>
      inj.send(encodeAdvert(advert(c, { priority: 254 }), c.master, VRRP_GROUP_V4), { src: c.master }),
  },
  {
    name: 'priority-0 storm (third router)',
    what: 'priority 0 every 20 ms for 2 s from a router that is not the master, ending just after a real advert',
    reason: 'resign-not-master',
    send: (inj, c, after) => resignStorm(inj, c, c.attacker, after),
  },
  {
    name: "priority-0 storm (master's address)",
    what: "the same storm with the master's address as source",
    reason: 'resign-distrusted',
    send: (inj, c, after) => resignStorm(inj, c, c.master, after),
  },
];

/** The attack for a unicast pair: adverts from an address that is not a configured peer. */
export const UNKNOWN_SOURCE: Attack = {
  name: 'unknown unicast source',
  what: 'priority 254, the right VIP, unicast from an address that is not a peer, every 200 ms',
  reason: 'source',
  send: async (inj, c) => {
    for (const dst of [c.backup, c.master])
      inj.send(encodeAdvert(advert(c, { priority: 254 }), c.attacker, dst), { src: c.attacker, dst });
  },
};
