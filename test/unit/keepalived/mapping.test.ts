/**
 * The mapping rules one by one, checked on the imported TOML as lvsd reads it (parseConfig): the
 * checker retry ↔ rise/fall equivalence and keepalived's timing defaults, its corrections
 * (UDP by default, port resets, quorum caps, state MASTER), hex strings, group ranges, and the
 * check compaction (a property test: merging back gives every server its complete check).
 */
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { checkSchema, mergeCheck } from '../../../src/health/schema.js';
import { keepalivedNameOk } from '../../../src/keepalived/checker.js';
import { compactChecks } from '../../../src/keepalived/compact.js';
import { expandRange } from '../../../src/keepalived/group.js';
import { readHex } from '../../../src/keepalived/hex.js';
import { importKeepalived } from '../../../src/keepalived/import.js';
import { memFs } from './memfs.js';

function imp(text: string, configId = 'lb1') {
  const r = importKeepalived('/k/keepalived.conf', { fs: memFs({ '/k/keepalived.conf': text }), configId });
  if (r.exitCode === 2) throw new Error(r.error);
  const loaded = parseConfig(r.toml, 'test');
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return { r, cfg: loaded.config as Config, raw: parseToml(r.toml) as Record<string, unknown> };
}

const vs = (body: string, rs = 'real_server 10.0.0.2 80 {\n TCP_CHECK {\n }\n}') =>
  `virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_kind NAT\n ${body}\n ${rs}\n}\n`;

describe('checker timing: keepalived retry ↔ lvsd retries/fall/rise', () => {
  it('TCP_CHECK defaults: delay_loop 60s, connect_timeout 5s, retry 1 after 1s; down after one failed round, up after one success', () => {
    const c = imp(vs('')).cfg.virtual_server[0]!.real_server[0]!.check!;
    expect(c).toMatchObject({
      interval: 60_000,
      timeout: 5000,
      retries: 1,
      retry_delay: 1000,
      rise: 1,
      fall: 1,
      initial: 'up',
    });
  });

  it('HTTP_GET retries 3s apart, DNS_CHECK 3 times a delay_loop apart, MISC_CHECK not at all (its timeout: the delay_loop)', () => {
    const http = 'real_server 10.0.0.2 80 {\n HTTP_GET {\n url {\n path /\n }\n }\n}';
    expect(imp(vs('delay_loop 10', http)).cfg.virtual_server[0]!.real_server[0]!.check).toMatchObject({
      retries: 1,
      retry_delay: 3000,
    });
    const dns = 'real_server 10.0.0.2 80 {\n DNS_CHECK {\n name www.x.test\n }\n}';
    expect(imp(vs('delay_loop 10', dns)).cfg.virtual_server[0]!.real_server[0]!.check).toMatchObject({
      retries: 3,
      retry_delay: 10_000,
      query_type: 'SOA',
    });
    const misc = 'real_server 10.0.0.2 80 {\n MISC_CHECK {\n misc_path "/bin/true x"\n }\n}';
    expect(imp(vs('delay_loop 10', misc)).cfg.virtual_server[0]!.real_server[0]!.check).toMatchObject({
      retries: 0,
      timeout: 10_000,
      command: ['/bin/true', 'x'],
    });
  });

  it('checker beats real server beats virtual server', () => {
    const rs = 'real_server 10.0.0.2 80 {\n retry 4\n delay_loop 7\n TCP_CHECK {\n retry 2\n }\n}';
    const c = imp(vs('retry 9\ndelay_loop 3\ndelay_before_retry 0.25\nconnect_timeout 2', rs)).cfg.virtual_server[0]!
      .real_server[0]!.check!;
    expect(c).toMatchObject({ retries: 2, interval: 7000, retry_delay: 250, timeout: 2000 });
  });

  it('a connect_timeout longer than the delay_loop is cut to it, with a finding; retry over 10 is capped, with a finding', () => {
    const { r, cfg } = imp(vs('delay_loop 2\nconnect_timeout 5\nretry 30'));
    expect(cfg.virtual_server[0]!.real_server[0]!.check).toMatchObject({ timeout: 2000, retries: 10 });
    expect(r.exitCode).toBe(3);
    expect(r.findings.map((f) => f.keyword).sort()).toEqual(['connect_timeout', 'retry']);
  });

  it('alpha starts servers down; warmup 0 turns the random first delay off', () => {
    const c = imp(vs('alpha\nwarmup 0')).cfg.virtual_server[0]!.real_server[0]!.check!;
    expect(c).toMatchObject({ initial: 'down', warmup: false });
  });
});

describe("keepalived's corrections and defaults", () => {
  it('no protocol is UDP; a fwmark service ignores protocol; port 0 becomes persistent for 360s', () => {
    const { cfg } = imp(
      'virtual_server 10.0.0.1 0 {\n real_server 10.0.0.2 53 {\n }\n}\nvirtual_server fwmark 3 {\n protocol TCP\n real_server 10.0.0.2 {\n }\n}\n',
    );
    expect(cfg.virtual_server[0]).toMatchObject({ protocol: 'udp', persistence: 360_000 });
    expect(cfg.virtual_server[1]!.name).toBe('fwmark3');
    expect(imp('virtual_server fwmark 3 {\n protocol TCP\n real_server 10.0.0.2 {\n }\n}\n').r.toml).toContain(
      '# keepalived ignores protocol for a fwmark service',
    );
  });

  it('DR/TUN real servers take the service port; NAT keeps its own or inherits the service port', () => {
    const { cfg, r } = imp(
      'virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_kind DR\n real_server 10.0.0.2 8080 {\n }\n real_server 10.0.0.3 {\n lvs_method NAT\n }\n}\n',
    );
    expect(cfg.virtual_server[0]!.real_server.map((x) => [x.port, x.forwarding])).toEqual([
      [80, 'dr'],
      [80, 'nat'],
    ]);
    expect(r.toml).toContain('# keepalived resets the port to the service port 80 (DR/TUN)');
  });

  it('quorum above the sum of weights is cut to it; hysteresis at least the quorum becomes quorum - 1', () => {
    const { cfg } = imp(
      vs(
        'quorum 50\nhysteresis 60',
        'real_server 10.0.0.2 80 {\n weight 20\n}\nreal_server 10.0.0.3 80 {\n weight 10\n}',
      ),
    );
    expect(cfg.virtual_server[0]).toMatchObject({ quorum: 30, quorum_hysteresis: 29 });
  });

  it('inhibit_on_failure → weight0, none → remove; a virtual server without real servers is left out', () => {
    expect(imp(vs('inhibit_on_failure')).cfg.virtual_server[0]!.on_failure).toBe('weight0');
    expect(imp(vs('')).cfg.virtual_server[0]!.on_failure).toBe('remove');
    const { cfg, r } = imp('virtual_server 10.0.0.1 80 {\n protocol TCP\n}\n');
    expect(cfg.virtual_server).toEqual([]);
    expect(r.findings[0]!.why).toMatch(/no real servers/);
  });

  it('state MASTER without priority is 255 and clears nopreempt; VRRPv2 by default, v3 for IPv6; the password is cut to 8', () => {
    const vi = (body: string) => `vrrp_instance V {\n interface eth0\n virtual_router_id 9\n ${body}\n}\n`;
    const a = imp(
      vi(
        'state MASTER\nnopreempt\nvirtual_ipaddress {\n 10.0.0.9\n}\nauthentication {\n auth_type PASS\n auth_pass 123456789\n}',
      ),
    );
    expect(a.cfg.vrrp_instance[0]).toMatchObject({
      priority: 255,
      preempt: true,
      version: 2,
      authentication: { type: 'pass', password: '12345678' },
    });
    const b = imp(vi('nopreempt\nvirtual_ipaddress {\n fd00::9/64\n}'));
    expect(b.cfg.vrrp_instance[0]).toMatchObject({ priority: 100, preempt: false, version: 3 });
  });

  it("a generic notify becomes one hook per state with keepalived's arguments", () => {
    const { cfg } = imp(
      'vrrp_instance V {\n interface eth0\n virtual_router_id 9\n priority 50\n virtual_ipaddress {\n 10.0.0.9\n }\n notify "/bin/n \'a b\'"\n}\n',
    );
    expect(cfg.vrrp_instance[0]!.notify.backup).toEqual(['/bin/n', 'a b', 'INSTANCE', 'V', 'BACKUP', '50']);
  });
});

describe('values', () => {
  it("keepalived's free-form hex", () => {
    expect(readHex('Ab12f 3 456', false)).toEqual({ bytes: 'ab120f034506', wildcard: false });
    expect(readHex('0X 1', true)).toEqual({ bytes: '0001', wildcard: true });
    expect(readHex('0X', false)).toBeUndefined();
    expect(readHex('zz', false)).toBeUndefined();
  });

  it('group ranges: last byte, full range, CIDR (first and last included), IPv6; bad ones undefined', () => {
    expect(expandRange('10.0.0.1-3')).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(expandRange('10.0.0.255-10.0.1.1')).toEqual(['10.0.0.255', '10.0.1.0', '10.0.1.1']);
    expect(expandRange('10.0.0.8/30')).toEqual(['10.0.0.8', '10.0.0.9', '10.0.0.10', '10.0.0.11']);
    expect(expandRange('fd00::1-3')).toEqual(['fd00::1', 'fd00::2', 'fd00::3']);
    expect(expandRange('fd00::/127')).toEqual(['fd00::', 'fd00::1']);
    for (const bad of ['10.0.0.3-1', '10.0.0.9/30', '10.0.0.1-300', 'x-1', '10.0.0.1/0'])
      expect(expandRange(bad), bad).toBeUndefined();
  });

  it("keepalived 2.2.7's DNS name check (it also refuses names whose second character is a dot)", () => {
    expect(['', '.', 'www.x.test', 'example.', 'ab.c'].map(keepalivedNameOk)).toEqual([true, true, true, true, true]);
    expect(['x.test', '.a', 'a..b'].map(keepalivedNameOk)).toEqual([false, false, false]);
  });
});

describe('check compaction', () => {
  const key = fc.constantFrom(
    'interval',
    'timeout',
    'retries',
    'retry_delay',
    'connect_port',
    'warmup',
    'initial',
    'rise',
    'fall',
  );
  const value = (k: string): fc.Arbitrary<unknown> =>
    ({
      interval: fc.constantFrom('1s', '2s', '5s'),
      timeout: fc.constantFrom('500ms', '1s'),
      retries: fc.constantFrom(0, 1, 3),
      retry_delay: fc.constantFrom('100ms', '1s'),
      connect_port: fc.constantFrom(80, 8080),
      warmup: fc.boolean(),
      initial: fc.constantFrom('up', 'down'),
      rise: fc.constantFrom(1, 2),
      fall: fc.constantFrom(1, 3),
    })[k]!;
  const check = fc
    .uniqueArray(key, { maxLength: 9 })
    .chain((keys) => fc.tuple(...keys.map((k) => value(k).map((v) => [k, v] as const))))
    .map((kv) => ({ type: 'tcp', ...Object.fromEntries(kv) }));

  it('merging the virtual-server check with each override gives every real server its own check back', () => {
    fc.assert(
      fc.property(fc.array(fc.option(check, { nil: undefined }), { minLength: 1, maxLength: 5 }), (checks) => {
        const { base, overrides } = compactChecks(checks);
        checks.forEach((c, i) => {
          const merged = base ? mergeCheck(base, overrides[i] ?? {}) : overrides[i];
          if (c === undefined) return expect(merged).toBeUndefined();
          // timeout must not exceed interval in lvsd; compare what lvsd would run
          const norm = (x: unknown) => checkSchema.safeParse(x);
          const want = norm(c);
          const got = norm(merged);
          expect(got.success).toBe(want.success);
          if (want.success && got.success) expect(got.data).toEqual(want.data);
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('lvs_sync_daemon → [sync]', () => {
  const inst = (name: string, vrid: number, extra = '') =>
    `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority 100\n ${extra}\n virtual_ipaddress {\n 10.0.${vrid}.1/24\n }\n}\n`;
  const sync = (line: string, body = inst('VI_1', 51)) => imp(`global_defs {\n ${line}\n}\n${body}`);
  const sink = (r: { r: { findings: Array<{ keyword: string; why: string }> } }) =>
    r.r.findings.map((f) => `${f.keyword}: ${f.why}`);

  it("the sync id lvsd runs is keepalived's: the VRID when no id is given, the id otherwise; written only when it differs", () => {
    const plain = sync('lvs_sync_daemon eth1 VI_1');
    expect(plain.cfg.sync).toMatchObject({ interface: 'eth1', vrrp_instances: ['VI_1'], sync_id: 51 });
    expect(plain.raw.sync).not.toHaveProperty('sync_id');
    expect(plain.r.exitCode).toBe(0);
    expect(sync('lvs_sync_daemon eth1 inst VI_1 id 51').raw.sync).not.toHaveProperty('sync_id');
    expect(sync('lvs_sync_daemon eth1 VI_1 id 0').cfg.sync).toMatchObject({ sync_id: 0 });
    // the old positional form IF INSTANCE SYNC_ID
    expect(sync('lvs_sync_daemon eth1 VI_1 9').cfg.sync).toMatchObject({ vrrp_instances: ['VI_1'], sync_id: 9 });
  });

  it('lvs_sync_daemon_interface in an instance follows it with sync id 0, as keepalived does', () => {
    const { cfg, r } = imp(inst('VI_A', 12) + inst('VI_B', 13, 'lvs_sync_daemon_interface eth4'));
    expect(cfg.sync).toMatchObject({ interface: 'eth4', vrrp_instances: ['VI_B'], sync_id: 0 });
    expect(r.exitCode).toBe(0);
  });

  it('follows the renamed instance when keepalived names it in a way lvsd does not take', () => {
    const { cfg } = imp(`global_defs {\n lvs_sync_daemon eth1 VI:1\n}\n${inst('VI:1', 5)}`);
    expect(cfg.vrrp_instance[0]!.name).toBe('VI_1');
    expect(cfg.sync).toMatchObject({ vrrp_instances: ['VI_1'], sync_id: 5 });
  });

  it('maxlen below 1024 (a backup raises it) and above what an IPv6 group carries are reported and left out', () => {
    const low = sync('lvs_sync_daemon eth1 VI_1 maxlen 512');
    expect(low.cfg.sync?.maxlen).toBeUndefined();
    expect(sink(low)).toEqual([expect.stringMatching(/^lvs_sync_daemon maxlen: 512 is below 1024/)]);
    const v6 = sync('lvs_sync_daemon eth1 VI_1 maxlen 65500 group ff02::81');
    expect(v6.cfg.sync).toMatchObject({ group: 'ff02::81' });
    expect(v6.cfg.sync?.maxlen).toBeUndefined();
    expect(sink(v6)).toEqual([expect.stringMatching(/^lvs_sync_daemon maxlen: 65500 is above 65487/)]);
    expect(sync('lvs_sync_daemon eth1 VI_1 maxlen 65507 group 239.1.1.1').cfg.sync).toMatchObject({ maxlen: 65507 });
  });

  it('without an instance (keepalived runs both daemons) no [sync] is written, with a finding', () => {
    const r = sync('lvs_sync_daemon eth1 id 3');
    expect(r.cfg.sync).toBeUndefined();
    expect(sink(r)).toEqual([
      expect.stringMatching(/^lvs_sync_daemon: without a vrrp_instance keepalived runs the master and the backup/),
    ]);
  });

  it('an interface name keepalived ignores (16+ bytes) or lvsd refuses (":") writes no [sync]', () => {
    expect(sync('lvs_sync_daemon eth1234567890abc VI_1').cfg.sync).toBeUndefined();
    const colon = sync('lvs_sync_daemon eth1:0 VI_1');
    expect(colon.cfg.sync).toBeUndefined();
    expect(sink(colon)).toEqual([expect.stringMatching(/lvsd refuses the interface name "eth1:0"/)]);
  });

  it('an instance lvsd --check refuses to follow (priority 255) drops [sync] through the validator, with a finding', () => {
    const r = sync('lvs_sync_daemon eth1 VI_1', inst('VI_1', 51).replace('priority 100', 'priority 255'));
    expect(r.cfg.sync).toBeUndefined();
    expect(sink(r)).toEqual([
      expect.stringMatching(/^lvs_sync_daemon: lvsd --check refuses it .*priority 255.*no \[sync\] is written/),
    ]);
  });

  it('the first valid setting wins, in file order; a refused one does not take the place', () => {
    const r = imp(
      `global_defs {\n lvs_sync_daemon eth1234567890abcd VI_1\n lvs_sync_daemon eth2 VI_1\n lvs_sync_daemon eth3 VI_1\n}\n${inst('VI_1', 51)}`,
    );
    expect(r.cfg.sync).toMatchObject({ interface: 'eth2' });
    expect(sink(r).map((s) => s.split(':')[0])).toEqual(['lvs_sync_daemon', 'lvs_sync_daemon']);
  });
});
