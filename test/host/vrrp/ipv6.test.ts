import { afterEach, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { Lab, until } from './lab.js';

describe.skipIf(!hasRoot('host: VRRPv3 over IPv6'))('VRRPv3 over IPv6 (link-local source) with keepalived', () => {
  let lab: Lab | undefined;
  afterEach(() => lab?.close());

  it('lvsd master → crash → keepalived; lvsd returns, preempts, and its unsolicited NA moves the client neighbour entry', async () => {
    lab = new Lab('v6', 2, { ipv6: true });
    const vip = `2001:db8:${lab.net.split('.')[1]}::50`;
    // keepalived wants a link-local first VIP for IPv6 (RFC 5798 §5.2.9); both sides list the same VIPs
    const inst = { vrid: 100, version: 3 as const, intervalMs: 100, vips: ['fe80::50/64', `${vip}/64`] };
    const [r0, r1] = lab.routers as [(typeof lab.routers)[0], (typeof lab.routers)[0]];
    lab.client.ip('-6', 'addr', 'add', `2001:db8:${lab.net.split('.')[1]}::100/64`, 'dev', 'eth0', 'nodad');
    try {
      lab.startKeepalived(1, { ...inst, priority: 100 });
      lab.startLvsd(0, { ...inst, priority: 150 });
      await until(() => lab!.holders(vip).join() === '0', 10_000, 'lvsd holding the IPv6 VIP');
      const st = await lab.status(0);
      expect(st.state).toBe('MASTER');
      lab.client.exec('ping', ['-6', '-c1', '-W2', vip]);
      expect(lab.client.ip('-6', 'neigh', 'show', vip)).toContain(r0.mac);

      lab.signal(0, 'SIGKILL');
      await lab.exited(0);
      r0.ns.ip('-6', 'addr', 'del', `${vip}/64`, 'dev', 'eth0');
      await until(() => lab!.holds(1, vip), 5000, 'keepalived taking the IPv6 VIP');
      await until(
        () => lab!.client.ip('-6', 'neigh', 'show', vip).includes(r1.mac),
        3000,
        'client entry moving to keepalived (its NA)',
      );

      const dump = lab.client.spawn('tcpdump', [
        '-l',
        '-nn',
        '-e',
        '-i',
        'eth0',
        `icmp6 and ip6[40] == 136 and ether src ${r0.mac}`,
      ]);
      let seen = '';
      dump.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
      await new Promise((r) => setTimeout(r, 500));
      lab.startLvsd(0, { ...inst, priority: 150 });
      await until(() => lab!.holders(vip).join() === '0', 10_000, 'lvsd preempting back');
      await until(() => seen.includes(`tgt is ${vip}`), 3000, "tcpdump seeing lvsd's unsolicited NA for the VIP");
      expect(seen).toContain('neighbor advertisement');
      expect(seen).toContain('ff02::1');
      await until(
        () => lab!.client.ip('-6', 'neigh', 'show', vip).includes(r0.mac),
        3000,
        'client entry moving back to lvsd',
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${lab.dump()}`);
    }
  });
});
