/**
 * `lvsd ipvs daemon start|stop|list` over the fake kernel (fake-sync.ts): ipvsadm's option names,
 * ipvsadm's listing text, the kernel's refusals in words, and usage errors that send nothing.
 */
import { describe, expect, it } from 'vitest';
import { run, type CliIo } from '../../../src/cli/ipvs.js';
import { IpvsClient } from '../../../src/ipvs/client.js';
import { fakeKernel } from './fake-kernel.js';
import { readText } from './capture.js';

function harness(k = fakeKernel()): {
  io: CliIo;
  out: () => string;
  err: () => string;
  k: ReturnType<typeof fakeKernel>;
} {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    stdin: async () => '',
    open: () => IpvsClient.open({ conn: k.conn() }),
  };
  return { io, out: () => out, err: () => err, k };
}

const daemonCmds = (k: ReturnType<typeof fakeKernel>): number =>
  k.sent().filter((m) => m.type === 0x1c && m.payload[0] >= 9 && m.payload[0] <= 10).length;

describe('lvsd ipvs daemon', () => {
  it('start both, list as ipvsadm -L --daemon prints them, stop both', async () => {
    const h = harness();
    expect(await run(['daemon', 'start', 'master', '--mcast-interface', 'eth0', '--syncid', '5'], h.io)).toBe(0);
    expect(
      await run(
        [
          'daemon',
          'start',
          'backup',
          '--mcast-interface=eth1',
          '--syncid=7',
          '--sync-maxlen',
          '1400',
          '--mcast-group',
          '239.1.2.3',
          '--mcast-port',
          '9000',
          '--mcast-ttl',
          '3',
        ],
        h.io,
      ),
    ).toBe(0);
    expect(await run(['daemon', 'list'], h.io)).toBe(0);
    expect(h.out()).toBe(readText('daemon-list.txt'));
    const j = harness(h.k);
    expect(await run(['list', '--daemon'], j.io)).toBe(0);
    expect(j.out()).toBe(readText('daemon-list.txt'));
    const json = harness(h.k);
    expect(await run(['daemon', 'list', '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.out())).toEqual([
      { state: 'master', interface: 'eth0', syncId: 5, maxlen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 },
      { state: 'backup', interface: 'eth1', syncId: 7, maxlen: 1400, group: '239.1.2.3', port: 9000, ttl: 3 },
    ]);
    expect(await run(['daemon', 'stop', 'master'], h.io)).toBe(0);
    expect(await run(['daemon', 'stop', 'backup'], h.io)).toBe(0);
    expect(h.k.sync.daemons.size).toBe(0);
    expect(h.err()).toBe('');
  });

  it('kernel refusals: one line in words, exit 1', async () => {
    const h = harness();
    expect(await run(['daemon', 'start', 'master', '--mcast-interface', 'eth0'], h.io)).toBe(0);
    expect(await run(['daemon', 'start', 'master', '--mcast-interface', 'eth0'], h.io)).toBe(1);
    expect(await run(['daemon', 'start', 'backup', '--mcast-interface', 'nosuch0'], h.io)).toBe(1);
    expect(await run(['daemon', 'stop', 'backup'], h.io)).toBe(1);
    expect(h.err()).toBe(
      'lvsd ipvs daemon: cannot start the master sync daemon (eth0 syncid 0): a master sync daemon is already running in this network namespace (the kernel runs at most one master and one backup); stop it first\n' +
        'lvsd ipvs daemon: cannot start the backup sync daemon (nosuch0 syncid 0): no interface "nosuch0" in this network namespace\n' +
        'lvsd ipvs daemon: cannot stop the backup sync daemon: no backup sync daemon is running\n',
    );
  });

  it('usage errors and values the kernel would ignore: exit 1 or 2, nothing sent', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['daemon', 'start', 'master'], 1, /the multicast interface is required/],
      [['daemon', 'start', 'primary', '--mcast-interface', 'eth0'], 1, /needs "master" or "backup", not "primary"/],
      [
        ['daemon', 'start', 'master', '--mcast-interface', 'eth0', '--mcast-ttl', '0'],
        1,
        /ttl 0 is taken by the kernel as "not set"/,
      ],
      [
        ['daemon', 'start', 'master', '--mcast-interface', 'eth0', '--mcast-port', '0', '--syncid', '300'],
        1,
        /sync id 300 is outside 0-255.*; port 0/,
      ],
      [
        ['daemon', 'start', 'backup', '--mcast-interface', 'eth0', '--sync-maxlen', '500'],
        1,
        /maxlen 500 is outside 1024-65507/,
      ],
      [['daemon', 'start', 'master', '--mcast-interface', 'eth0', '--syncid'], 1, /option --syncid needs a value/],
      [['daemon', 'start', 'master', '--mcast-interface', 'eth0', '--syncid', 'x'], 1, /needs a number, got "x"/],
      [
        ['daemon', 'start', 'master', '--mcast-interface', 'eth0', '--mcast-group', '10.0.0.1'],
        1,
        /not a multicast address/,
      ],
      [['daemon', 'start', 'master', '--mcast-interface', 'eth0', '--weight', '1'], 1, /unknown option "--weight"/],
      [['daemon', 'stop'], 1, /daemon stop needs "master" or "backup"/],
      [['daemon', 'stop', 'master', '--now'], 1, /unknown option "--now"/],
      [['daemon', 'list', '--stats'], 1, /unknown option "--stats"/],
      [['daemon', 'restart'], 2, /unknown command "restart"/],
      [['daemon'], 2, /a command is needed/],
    ];
    for (const [args, code, text] of cases) {
      const h = harness();
      expect(await run(args, h.io), args.join(' ')).toBe(code);
      expect(h.err()).toMatch(text);
      expect(h.err().split('\n')[0]).not.toMatch(/at .*\.ts/);
      expect(daemonCmds(h.k)).toBe(0);
    }
  });
});
