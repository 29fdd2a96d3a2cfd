/**
 * `lvsd ipvs list|save|restore` over the stateful fake kernel (no root): output formats, exit
 * codes, validation before any write, per-line reports of kernel refusals, no stack traces.
 */
import { describe, expect, it } from 'vitest';
import { run, type CliIo } from '../../../src/cli/ipvs.js';
import { IpvsClient } from '../../../src/ipvs/client.js';
import { lineRanges, validateRules } from '../../../src/ipvs/restore.js';
import { fakeKernel, type FakeOptions } from './fake-kernel.js';
import { readText } from './capture.js';

function harness(
  stdin = '',
  opts: FakeOptions = {},
): { io: CliIo; out: () => string; err: () => string; k: ReturnType<typeof fakeKernel> } {
  const k = fakeKernel(opts);
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    stdin: async () => stdin,
    open: () => IpvsClient.open({ conn: k.conn() }),
  };
  return { io, out: () => out, err: () => err, k };
}

describe('lvsd ipvs restore', () => {
  it('applies a whole ipvsadm -S file silently, then save prints it back byte for byte', async () => {
    const text = readText('save.txt');
    const h = harness(text);
    expect(await run(['restore'], h.io)).toBe(0);
    expect(h.err()).toBe('');
    const writes = h.k.sent().filter((m) => m.type === 0x1c).length;
    expect(writes).toBe(text.trim().split('\n').length);
    const s = harness();
    s.io.open = h.io.open;
    expect(await run(['save'], s.io)).toBe(0);
    expect(s.out()).toBe(text);
  });

  it('a bad line: names the line, exits 1, sends nothing', async () => {
    const h = harness('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.2.2 -m -w -3\n-A -t 10.0.0.2:80 -b nope\n');
    expect(await run(['restore'], h.io)).toBe(1);
    expect(h.err()).toContain('lvsd ipvs restore: line 2: ');
    expect(h.err()).toContain('lvsd ipvs restore: line 3: invalid scheduler flag "nope"');
    expect(h.err()).toContain('2 bad line(s); nothing was applied');
    expect(h.k.sent()).toHaveLength(0);
  });

  it('kernel refusals part-way: exit 1 and a per-line report of applied and not applied', async () => {
    const h = harness(
      '-A -t 10.0.0.1:80 -s rr\n-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.2.2 -m\n-a -t 10.0.0.7:80 -r 10.0.2.2 -m\n--set 1 2 3\n',
    );
    expect(await run(['restore', '--per-send', '2'], h.io)).toBe(1);
    expect(h.err()).toBe(
      'lvsd ipvs restore: 3 of 5 rules applied, 2 refused by the kernel\n' +
        'lvsd ipvs restore: applied lines: 1,3,5\n' +
        'lvsd ipvs restore: line 2: NOT applied: -A -t 10.0.0.1:80 -s rr: IPVS_CMD_NEW_SERVICE TCP 10.0.0.1:80: EEXIST (File exists)\n' +
        'lvsd ipvs restore: line 4: NOT applied: -a -t 10.0.0.7:80 -r 10.0.2.2 -m: IPVS_CMD_NEW_DEST TCP 10.0.0.7:80 -> 10.0.2.2:80: ESRCH (No such process)\n',
    );
  });

  it('--per-send must be a positive integer', async () => {
    const h = harness('');
    expect(await run(['restore', '--per-send', 'x'], h.io)).toBe(1);
    expect(h.err()).toMatch(/--per-send needs a positive integer/);
  });

  it('validateRules also catches values only the encoder rejects', () => {
    expect(validateRules('-A -f 4294967295 -s rr\n').errors).toHaveLength(0);
    expect(lineRanges([1, 2, 3, 5, 7, 8])).toBe('1-3,5,7-8');
  });
});

describe('lvsd ipvs list', () => {
  it('prints ipvsadm -Ln text, --stats, and JSON', async () => {
    const h = harness('-A -t 10.0.0.1:80 -s wrr -p 60\n-a -t 10.0.0.1:80 -r 10.0.2.2:8080 -m -w 3\n');
    expect(await run(['restore'], h.io)).toBe(0);
    const l = harness();
    l.io.open = h.io.open;
    expect(await run(['list'], l.io)).toBe(0);
    expect(l.out()).toBe(
      'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n' +
        'TCP  10.0.0.1:80 wrr persistent 60\n  -> 10.0.2.2:8080                Masq    3      0          0         \n',
    );
    const j = harness();
    j.io.open = h.io.open;
    expect(await run(['list', '--json'], j.io)).toBe(0);
    const parsed = JSON.parse(j.out()) as {
      version: string;
      services: Array<{ scheduler: string; destinations: Array<{ weight: number }> }>;
    };
    expect(parsed.version).toBe('1.2.1');
    expect(parsed.services[0].scheduler).toBe('wrr');
    expect(parsed.services[0].destinations[0].weight).toBe(3);
    const s = harness();
    s.io.open = h.io.open;
    expect(await run(['list', '--stats'], s.io)).toBe(0);
    expect(s.out()).toContain('Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes');
  });

  it('no IPVS: the message, exit 1, no stack trace', async () => {
    const h = harness('', { noIpvs: true });
    expect(await run(['list'], h.io)).toBe(1);
    expect(h.err()).toBe(
      'lvsd ipvs list: IPVS is not available in this kernel (generic netlink family "IPVS" not found): load the ip_vs module\n',
    );
  });

  it('a malformed kernel reply: one-line error, exit 1', async () => {
    const h = harness('', { garbageDump: true });
    expect(await run(['list'], h.io)).toBe(1);
    expect(h.err()).toMatch(/^lvsd ipvs list: .*(attribute length|runs past)[^\n]*\n$/);
  });

  it('EPERM names CAP_NET_ADMIN', async () => {
    const h = harness('', { eperm: true });
    expect(await run(['save'], h.io)).toBe(1);
    expect(h.err()).toMatch(/^lvsd ipvs save: IPVS_CMD_GET_SERVICE: EPERM .*CAP_NET_ADMIN/);
    expect(h.err()).not.toContain('    at ');
  });

  it('usage errors exit 2; unknown options exit 1 with the option named', async () => {
    const h = harness();
    expect(await run([], h.io)).toBe(2);
    expect(await run(['frob'], h.io)).toBe(2);
    expect(await run(['list', '--bogus'], h.io)).toBe(1);
    expect(h.err()).toContain('unknown option "--bogus"');
    expect(await run(['--help'], h.io)).toBe(0);
    expect(h.out()).toContain('lvsd ipvs restore');
  });
});
