/**
 * The attacker of bench/vrrp-flood.ts: sends forged VRRP adverts at RATE packets/s for SECONDS from
 * the namespace it runs in (raw socket, own IPv4 headers), cycling through malformed and spoofed
 * kinds aimed at VRID and VIP: bad checksum, interval 0 with the master's address, a foreign address
 * list, priority 0 and a lower priority from a third router (a master answers those), wrong VRID, TTL 254.
 *   node dist/bench/vrrp-flood-sender.js RATE SECONDS VRID VIP MASTER ATTACKER
 * Prints one JSON line: packets sent, send errors (ENOBUFS when the queue is full), seconds.
 */
import { encodeIpv4 } from '../src/vrrp/ip.js';
import { encodeAdvert, VRRP_GROUP_V4, type Advert } from '../src/vrrp/packet.js';
import { Injector } from './vrrp-inject.js';

const [rate = 10_000, secs = 30, vrid = 51] = process.argv.slice(2, 5).map(Number);
const [vip, master, attacker] = process.argv.slice(5, 8) as [string, string, string];

/** The packets, IPv4 header included, sent in turn. */
function packets(): Buffer[] {
  const a = (over: Partial<Advert>): Advert => ({
    version: 3,
    vrid,
    priority: 200,
    intervalCs: 100,
    addresses: [vip],
    ...over,
  });
  const pkt = (ad: Advert, src: string, ttl = 255, edit?: (m: Buffer) => void) => {
    const m = encodeAdvert(ad, src, VRRP_GROUP_V4);
    edit?.(m);
    return encodeIpv4({ src, dst: VRRP_GROUP_V4, id: 1, ttl }, m);
  };
  return [
    pkt(a({}), attacker, 255, (m) => (m[7] ^= 1)),
    pkt(a({ priority: 150, intervalCs: 0 }), master),
    pkt(a({ addresses: ['192.0.2.99'] }), attacker),
    pkt(a({ priority: 0 }), attacker),
    pkt(a({ priority: 50 }), attacker),
    pkt(a({ vrid: (vrid % 255) + 1 }), attacker),
    pkt(a({}), attacker, 254),
  ];
}

const inj = new Injector();
const all = packets();
let sent = 0;
let errors = 0;
const t0 = performance.now();
const end = t0 + secs * 1000;

/** Paced by elapsed time: each turn sends what is due, so timer slack becomes bursts, not a lower rate. */
function turn(): void {
  const now = performance.now();
  const due = Math.min(rate * ((Math.min(now, end) - t0) / 1000), rate * secs);
  for (; sent + errors < due;) {
    try {
      inj.sendRaw(all[(sent + errors) % all.length]!, VRRP_GROUP_V4);
      sent++;
    } catch {
      errors++;
    }
  }
  if (now < end) setTimeout(turn, 1);
  else {
    inj.close();
    process.stdout.write(JSON.stringify({ sent, errors, seconds: (performance.now() - t0) / 1000 }) + '\n');
  }
}
turn();
