import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AF_INET,
  IP_HDRINCL,
  IP_MULTICAST_IF,
  SO_BINDTODEVICE,
  SOCK_RAW,
  SOL_IP,
  SOL_SOCKET,
} from '../../../native/constants.js';
import { ifNameToIndex } from '../../../native/interfaces.js';
import { withNetns } from '../../../native/netns.js';
import { sockaddrIn } from '../../../native/sockaddr.js';
import { NativeSocket } from '../../../native/socket.js';
import { encodeIpv4 } from '../../../src/vrrp/ip.js';
import { encodeAdvert, type Advert } from '../../../src/vrrp/packet.js';
import { hasRoot } from '../../support/root.js';
import { Lab, until } from './lab.js';

describe.skipIf(!hasRoot('host: VRRP spoofed and malformed adverts'))(
  'VRRP: spoofed and malformed adverts are ignored and counted',
  () => {
    let lab: Lab;
    let sock: NativeSocket;
    let vip: string;
    let src: string;
    const good = (): Advert => ({
      version: 2,
      vrid: 80,
      priority: 254,
      intervalCs: 100,
      addresses: [vip],
      password: 'secret',
    });

    /** Sends from the client namespace with our own IPv4 header (so TTL and lengths are ours to break). */
    function inject(msg: Buffer, ttl = 255): void {
      sock.sendto(encodeIpv4({ src, dst: '224.0.0.18', id: 7, ttl }, msg), sockaddrIn('224.0.0.18', 0));
    }

    beforeAll(async () => {
      lab = new Lab('vmf', 1);
      vip = `${lab.net}.80`;
      src = `${lab.net}.100`;
      lab.startLvsd(0, {
        vrid: 80,
        priority: 100,
        version: 2,
        intervalMs: 1000,
        vips: [`${vip}/24`],
        password: 'secret',
      });
      sock = withNetns(lab.client.name, () => {
        const s = NativeSocket.open(AF_INET, SOCK_RAW, 112);
        s.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from('eth0\0'));
        s.setsockopt(SOL_IP, IP_HDRINCL, 1);
        const mreqn = Buffer.alloc(12);
        mreqn.writeInt32LE(ifNameToIndex('eth0'), 8);
        s.setsockopt(SOL_IP, IP_MULTICAST_IF, mreqn);
        return s;
      });
      await until(() => lab.holds(0, vip), 10_000, 'lvsd MASTER');
    });
    afterAll(() => {
      sock?.close();
      lab?.close();
    });

    it('TTL 254, bad checksum, wrong VRID, wrong password, truncated, v2 interval mismatch: counted by reason, no state change', async () => {
      const g = good();
      const cases: Array<[string, () => void]> = [
        ['ttl', () => inject(encodeAdvert(g, src, '224.0.0.18'), 254)],
        [
          'checksum',
          () => {
            const m = encodeAdvert(g, src, '224.0.0.18');
            m[7] ^= 0xff;
            inject(m);
          },
        ],
        ['vrid', () => inject(encodeAdvert({ ...g, vrid: 99 }, src, '224.0.0.18'))],
        ['auth', () => inject(encodeAdvert({ ...g, password: 'guess' }, src, '224.0.0.18'))],
        ['length', () => inject(encodeAdvert(g, src, '224.0.0.18').subarray(0, 16))],
        ['interval', () => inject(encodeAdvert({ ...g, intervalCs: 200 }, src, '224.0.0.18'))],
        ['auth-type', () => inject(encodeAdvert({ ...g, password: undefined }, src, '224.0.0.18'))],
      ];
      for (const [, send] of cases) for (let i = 0; i < 3; i++) send();
      await new Promise((r) => setTimeout(r, 300));
      const st = await lab.status(0);
      expect(st.state).toBe('MASTER');
      expect(st.advertsReceived).toBe(0);
      const rejected = st.rejected as Record<string, number>;
      for (const [reason] of cases) expect(rejected[reason], `${reason} in ${JSON.stringify(rejected)}`).toBe(3);
      expect(lab.holds(0, vip)).toBe(true);
    });

    it('control: the same injector with a valid priority-254 advert does move lvsd to BACKUP', async () => {
      inject(encodeAdvert(good(), src, '224.0.0.18'));
      await until(
        () => lab.routers[0]!.events.some((e) => e.to === 'BACKUP' && String(e.reason).includes(src)),
        3000,
        'lvsd yielding to the valid advert',
      );
      expect((await lab.status(0)).advertsReceived).toBe(1);
    });
  },
);
