import { describe, expect, it } from 'vitest';
import { parseDaemonArgs } from '../../../src/daemon/args.js';
import { parseArgs } from '../../../src/cli/lvsctl.js';
import { parseRequest, encodeResponse, decodeResponse } from '../../../src/control/protocol.js';
import { capabilityWarnings, effectiveCaps } from '../../../src/daemon/check.js';
import { formatStatus, age } from '../../../src/control/format.js';
import type { StatusReport } from '../../../src/control/status-report.js';

describe('lvsd argv', () => {
  it('parses modes, dataplane and log level', () => {
    expect(parseDaemonArgs(['-f', 'a.toml'])).toEqual({ file: 'a.toml', mode: 'run', dataplane: 'kernel' });
    expect(parseDaemonArgs(['--check', '-f', 'a.toml'])).toMatchObject({ mode: 'check' });
    expect(parseDaemonArgs(['-f', 'a.toml', '--plan', '--dataplane', 'memory', '--log-level', 'debug'])).toMatchObject({
      mode: 'plan',
      dataplane: 'memory',
      logLevel: 'debug',
    });
  });
  it.each([
    [[], 'missing -f FILE'],
    [['-f'], '-f needs a value'],
    [['-f', 'a', '--bogus'], 'unknown argument "--bogus"'],
    [['-f', 'a', '--dataplane', 'dpdk'], '--dataplane must be kernel or memory, got "dpdk"'],
    [['-f', 'a', '--check', '--plan'], '--check and --plan exclude each other'],
    [['-f', 'a', '--log-level', 'loud'], '--log-level must be one of'],
  ])('rejects %j with a clear message', (argv, msg) => {
    expect(() => parseDaemonArgs(argv as string[])).toThrow(msg);
  });
});

describe('lvsd --help', () => {
  it('names every flag the daemon accepts, -t and --log-level included', async () => {
    const { helpText } = await import('../../../src/main.js');
    const text = await helpText();
    for (const flag of ['-f', '--config', '-t', '--check', '--plan', '--dataplane', '--log-level']) {
      expect(text).toMatch(new RegExp(`(^|[\\s\\[|,])${flag}([\\s,\\]|]|$)`, 'm'));
      // and the parser takes it (no flag documented that does not exist)
      const argv = flag === '-f' || flag === '--config' ? [flag, 'a.toml'] : ['-f', 'a.toml', flag];
      if (flag === '--dataplane') argv.push('memory');
      if (flag === '--log-level') argv.push('info');
      expect(() => parseDaemonArgs(argv)).not.toThrow();
    }
  });
});

describe('lvsctl argv', () => {
  it('parses commands and the socket option', () => {
    expect(parseArgs(['status', '--json'], {})).toMatchObject({
      json: true,
      req: { cmd: 'status' },
      socket: '/run/lvsd/lvsd.sock',
    });
    expect(parseArgs(['-s', '/tmp/x.sock', 'drain', 'web', '10.0.0.1:80'], {})).toEqual({
      socket: '/tmp/x.sock',
      json: false,
      req: { cmd: 'drain', vs: 'web', rs: '10.0.0.1:80' },
    });
    expect(parseArgs(['reload'], { LVSD_SOCKET: '/tmp/e.sock' }).socket).toBe('/tmp/e.sock');
  });
  it('parses the runtime-control commands: per real server and per virtual server', () => {
    const req = (...a: string[]) => parseArgs(a, {}).req;
    expect(req('state', 'web', '10.0.0.1:80', 'maint')).toEqual({
      cmd: 'state',
      vs: 'web',
      rs: '10.0.0.1:80',
      state: 'maint',
    });
    expect(req('state', 'web', 'drain')).toEqual({ cmd: 'state', vs: 'web', state: 'drain' });
    expect(req('weight', 'web', '10.0.0.1:80', '25')).toEqual({
      cmd: 'weight',
      vs: 'web',
      rs: '10.0.0.1:80',
      weight: 25,
    });
    expect(req('weight', 'web', '50%')).toEqual({ cmd: 'weight', vs: 'web', weight: '50%' });
    expect(req('weight', 'web', '10.0.0.1:80', 'reset')).toMatchObject({ weight: 'reset' });
    expect(req('check', 'web')).toEqual({ cmd: 'check', vs: 'web' });
    expect(req('show', 'web', '--health', 'down', '--problems')).toEqual({
      cmd: 'show',
      vs: 'web',
      health: 'down',
      problems: true,
    });
    expect(parseArgs(['state', 'web', 'ready', '--json'], {}).json).toBe(true);
  });
  it.each([
    [[], 'missing command'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['drain', 'web'], 'drain takes VS RS, got 1 argument(s)'],
    [['reload', 'now'], 'reload takes no arguments'],
    [['-s'], '-s needs a value'],
    [['state', 'web', 'broken'], 'state: expected "ready" or "drain" or "maint", got "broken"'],
    [['state', 'web'], 'state takes VS [RS] ready|drain|maint, got 1 argument(s)'],
    [['weight', 'web', '10.0.0.1:80', '70000'], 'weight'],
    [['weight', 'web', 'heavy'], 'a weight is 0-65535, a percentage like "50%", or "reset"'],
    [['status', '--problems'], '--health, --state and --problems apply only to show'],
    [['show', '--health', 'sideways'], 'health'],
    [['--frob', 'status'], 'unknown option --frob'],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseArgs(argv as string[], {})).toThrow(msg);
  });
});

describe('control protocol', () => {
  it('parses valid requests and names the problem in bad ones', () => {
    expect(parseRequest('{"cmd":"drain","vs":"web","rs":"1.2.3.4:80"}')).toEqual({
      cmd: 'drain',
      vs: 'web',
      rs: '1.2.3.4:80',
    });
    expect(() => parseRequest('{nope')).toThrow('not valid JSON');
    expect(() => parseRequest('{"cmd":"drain","vs":"web"}')).toThrow(/rs/);
    expect(() => parseRequest('{"cmd":"status","extra":1}')).toThrow(/extra|Unrecognized/i);
    expect(() => parseRequest('{"cmd":"rm -rf"}')).toThrow(/cmd/);
    expect(() => parseRequest('null')).toThrow();
  });
  it('round-trips responses, bigint as decimal text', () => {
    const line = encodeResponse({ ok: true, result: { n: 2n ** 63n } });
    expect(line.endsWith('\n')).toBe(true);
    expect(decodeResponse(line)).toEqual({ ok: true, result: { n: '9223372036854775808' } });
    expect(decodeResponse(encodeResponse({ ok: false, error: { code: 'ENOVS', message: 'm' } }))).toMatchObject({
      ok: false,
    });
    expect(() => decodeResponse('{"ok":false}')).toThrow('malformed');
    expect(() => decodeResponse('<html>')).toThrow('not JSON');
  });
});

describe('capabilities', () => {
  it('reads CapEff and warns only for what is missing', () => {
    expect(effectiveCaps('Name:\tnode\nCapEff:\t0000000000003000\n')).toBe(0x3000n);
    expect(capabilityWarnings(0x3000n, true, true)).toEqual([]);
    expect(capabilityWarnings(0x1000n, true, true)).toEqual([
      'CAP_NET_RAW is not effective: VRRP and raw ICMP checks will fail',
    ]);
    expect(capabilityWarnings(0n, false, true)[0]).toContain('CAP_NET_ADMIN');
  });
});

describe('lvsctl status text', () => {
  it('puts the reason a server gets no traffic on its line', () => {
    const now = 1_000_000;
    const s: StatusReport = {
      generatedAt: now,
      transitions: [],
      daemon: {
        pid: 1,
        routerId: 'lb1',
        configFile: '/etc/lvsd.toml',
        generation: 3,
        startedAt: now - 65_000,
        dataplane: 'kernel',
        lastReload: {
          at: now - 5000,
          ok: false,
          problems: [{ path: 'virtual_server[0].port', message: 'expected an integer 1-65535, got "80a"' }],
        },
      },
      virtualServers: [
        {
          name: 'web',
          service: 'TCP 10.0.0.1:80',
          scheduler: 'wrr',
          inKernel: true,
          belowQuorum: false,
          quorum: { quorum: 1, liveWeight: 100, hysteresis: 0, sorryServer: '10.1.0.9:80' },
          adminState: 'ready',
          extraDestinations: [{ rs: '10.1.0.9:80', weight: 0, active: 2, inactive: 1, role: 'sorry server' }],
          realServers: [
            {
              rs: '10.1.0.1:80',
              configuredWeight: 100,
              desiredWeight: 100,
              kernelWeight: 100,
              health: 'up',
              adminState: 'ready',
              drained: false,
              active: 3,
              inactive: 7,
              stats: { conns: '42', inpkts: '1', outpkts: '2', inbytes: '3', outbytes: '4' },
            },
            {
              rs: '10.1.0.2:80',
              configuredWeight: 100,
              desiredWeight: 0,
              kernelWeight: 0,
              health: 'down',
              healthSince: now - 12_000,
              reason: 'HTTP 503 from 10.1.0.2:80/healthz',
              probes: 312,
              adminState: 'ready',
              drained: false,
              why: 'unhealthy: weight 0 (on_failure = weight0)',
            },
            {
              rs: '10.1.0.3:80',
              configuredWeight: 100,
              desiredWeight: 0,
              kernelWeight: null,
              health: 'unchecked',
              adminState: 'drain',
              drained: true,
              why: 'drain: set to drain by the operator; weight 0, kept in the table until set ready',
            },
          ],
        },
      ],
      vrrp: [
        {
          name: 'VI_51',
          state: 'BACKUP',
          priority: 100,
          effectivePriority: 40,
          since: now - 3000,
          masterIp: '10.0.0.3',
          reason: 'track_virtual_server web below quorum',
          advertsSent: 0,
          advertsReceived: 0,
          rejected: { checksum: 3, 'address-list': 1 },
        },
      ],
    };
    const text = formatStatus(s, now);
    expect(text).toContain('generation 3');
    expect(text).toContain('REJECTED');
    expect(text).toContain('virtual_server[0].port: expected an integer 1-65535, got "80a"');
    expect(text).toMatch(
      /10\.1\.0\.2:80\s+down.*100\/0\/0.*down 12s ago: HTTP 503 from 10\.1\.0\.2:80\/healthz, 312 probes/,
    );
    expect(text).toMatch(/10\.1\.0\.3:80\s+unchecked\s+drain .*set to drain by the operator.*not in the kernel table/);
    expect(text).toMatch(/10\.1\.0\.1:80\s+up\s+ready.*3\/7\s+42/);
    // the sorry server's row: its role, in the same columns as the real servers
    const lines = text.split('\n');
    const header = lines.find((l) => l.includes('REAL SERVER'))!;
    const sorry = lines.find((l) => l.includes('10.1.0.9:80'))!;
    expect(sorry).toMatch(/sorry server$/);
    expect(sorry.indexOf('-/-/0')).toBe(header.indexOf('WEIGHT'));
    expect(sorry.indexOf('sorry server')).toBe(header.indexOf('WHY'));
    expect(text).toContain('quorum 100/1');
    expect(text).toContain('vrrp VI_51: BACKUP for 3s  priority 100 (effective 40)  master 10.0.0.3');
    expect(text).toContain('  adverts dropped: checksum 3, address-list 1');
    expect(age(3_723_000)).toBe('1h2m');
  });
});

describe('operator names', async () => {
  const { canonicalRs, resolveServer } = await import('../../../src/daemon/names.js');
  const { parseConfig } = await import('../../../src/config/load.js');
  it('canonicalizes addresses and names what exists', () => {
    expect(canonicalRs('[2001:DB8::0001]:80')).toBe('[2001:db8::1]:80');
    expect(canonicalRs('10.0.0.2:8080')).toBe('10.0.0.2:8080');
    expect(canonicalRs('garbage')).toBe('garbage');
    const loaded = parseConfig(
      '[[virtual_server]]\nname = "web"\naddress = "2001:db8::a"\nport = 80\n[[virtual_server.real_server]]\naddress = "2001:db8::1"\n',
      'x',
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const vss = loaded.config;
    expect(resolveServer(vss, 'web', '[2001:DB8::1]:80')).toEqual({ vs: 'web', rs: '[2001:db8::1]:80' });
    expect(() => resolveServer(vss, 'api', 'x')).toThrow('no virtual server named "api" (there are: web)');
    expect(() => resolveServer(vss, 'web', '1.2.3.4:80')).toThrow(
      'has no real server 1.2.3.4:80 (it has: [2001:db8::1]:80)',
    );
  });
});
