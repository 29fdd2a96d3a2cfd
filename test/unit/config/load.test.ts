/** The loader: file errors, syntax positions, formatting, defaults, inheritance, normalization. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatPath, formatProblems, loadConfigFile, parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';

const dir = mkdtempSync(join(tmpdir(), 'lvsd-h4-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ok(text: string): Config {
  const r = parseConfig(text, 't.toml');
  if (!r.ok) throw new Error(formatProblems('t.toml', r.problems));
  return r.config;
}

const base = `[[virtual_server]]\nname = "web"\naddress = "10.0.0.1"\nport = 80\n`;

describe('loadConfigFile', () => {
  it('reports a missing file as a problem, not an exception', async () => {
    const r = await loadConfigFile(join(dir, 'nope.toml'));
    expect(r).toEqual({
      ok: false,
      problems: [{ path: '', message: `cannot read config file ${join(dir, 'nope.toml')}: no such file` }],
    });
  });

  it('reports a directory given as the config file', async () => {
    const r = await loadConfigFile(dir);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.message).toMatch(/is a directory, not a file/);
  });

  it('reports an unreadable file (chmod 000) as "permission denied"', async () => {
    const f = join(dir, 'secret.toml');
    writeFileSync(f, base);
    chmodSync(f, 0o000);
    chmodSync(dir, 0o755);
    // Root bypasses file modes, so as root read it with the effective uid of "nobody" for the
    // duration of the call (this test file runs in its own forked worker process).
    const asRoot = process.getuid?.() === 0;
    if (asRoot) process.seteuid!(65534);
    let r: Awaited<ReturnType<typeof loadConfigFile>>;
    try {
      r = await loadConfigFile(f);
    } finally {
      if (asRoot) process.seteuid!(0);
    }
    expect(!r.ok && r.problems[0]!.message).toBe(`cannot read config file ${f}: permission denied`);
  });

  it('returns the text it loaded', async () => {
    const f = join(dir, 'ok.toml');
    writeFileSync(f, base);
    const r = await loadConfigFile(f);
    expect(r.ok && r.text).toBe(base);
  });
});

describe('parseConfig', () => {
  it('gives TOML syntax errors a line and column', () => {
    const r = parseConfig('a = 1\nb = "x\n', 'f.toml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]).toMatchObject({ line: 2, column: 7 });
    expect(formatProblems('f.toml', r.problems)).toMatch(/^f\.toml:2:7: TOML syntax error at line 2, column 7: /);
  });

  it('keeps a syntax error on one line without quoting the file', () => {
    const r = parseConfig('[[virtual_server]\nname = "secret"\n', 'f.toml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]).toMatchObject({ line: 1, column: 18 });
    expect(r.problems[0]!.message).toBe(
      'TOML syntax error at line 1, column 18: expected end of table array declaration',
    );
  });

  it('applies defaults to an empty file', () => {
    const c = ok('');
    expect(c.virtual_server).toEqual([]);
    expect(c.vrrp_instance).toEqual([]);
    expect(c.global).toMatchObject({
      log_level: 'info',
      resync_interval: 30_000,
      on_shutdown: 'keep',
      removal: 'drain',
      drain_timeout: 300_000,
      control_socket: '/run/lvsd/lvsd.sock',
    });
    expect(c.global.router_id.length).toBeGreaterThan(0);
    expect(c.global.metrics_listen).toBeUndefined();
  });

  it('normalizes a virtual server: canonical addresses, kernel units, defaults', () => {
    const c = ok(
      `[[virtual_server]]\nname = "w"\naddress = "2001:DB8:0::1"\nport = 443\npersistence = "1m"\nscheduler = "sh"\nscheduler_flags = ["sh-port", "sh-fallback"]\n[[virtual_server.real_server]]\naddress = "2001:db8:0:0::0a"\n`,
    );
    const vs = c.virtual_server[0]!;
    expect(vs.id).toEqual({ af: 'inet6', protocol: 'tcp', address: '2001:db8::1', port: 443 });
    expect(vs.key).toBe('TCP [2001:db8::1]:443');
    expect(vs.flags).toBe(1 | 0x08 | 0x10);
    expect(vs.persistence).toBe(60_000);
    expect(vs.persistence_netmask).toBe(128);
    expect(vs.real_server[0]).toMatchObject({
      address: '2001:db8::a',
      port: 443,
      weight: 1,
      forwarding: 'nat',
      key: '[2001:db8::a]:443',
    });
    expect(vs.real_server[0]!.check).toBeUndefined();
  });

  it('converts IPv4 persistence netmasks to the kernel u32 form', () => {
    const c = ok(
      `${base}persistence = "5s"\npersistence_netmask = 24\n[[virtual_server]]\nname = "b"\naddress = "10.0.0.2"\nport = 80\npersistence = "5s"\npersistence_netmask = "255.255.0.0"\n`,
    );
    expect(c.virtual_server.map((v) => v.persistence_netmask)).toEqual([0xffffff00, 0xffff0000]);
  });

  it('lets a real server inherit the virtual server check, and override keys of it', () => {
    const c = ok(
      `${base}check = { type = "http", path = "/h", interval = "2s", rise = 4 }\n[[virtual_server.real_server]]\naddress = "10.0.1.1"\n[[virtual_server.real_server]]\naddress = "10.0.1.2"\ncheck = { path = "/other" }\n[[virtual_server.real_server]]\naddress = "10.0.1.3"\ncheck = { type = "tcp" }\n`,
    );
    const [a, b, t] = c.virtual_server[0]!.real_server.map((r) => r.check as Record<string, unknown>);
    expect(a).toMatchObject({ type: 'http', path: '/h', interval: 2000, rise: 4 });
    expect(b).toMatchObject({ type: 'http', path: '/other', interval: 2000, rise: 4 });
    expect(t).toMatchObject({ type: 'tcp' });
    expect(t!.path).toBeUndefined();
    expect(t!.rise).not.toBe(4);
  });

  it('parses metrics_listen and sorry_server forms', () => {
    const c = ok(
      `[global]\nmetrics_listen = "[::1]:9405"\n${base}sorry_server = "10.0.9.9"\n[[virtual_server]]\nname = "v6"\naddress = "2001:db8::5"\nport = 80\nsorry_server = "[2001:db8::9]:8080"\n`,
    );
    expect(c.global.metrics_listen).toEqual({ host: '::1', port: 9405 });
    expect(c.virtual_server[0]!.sorry_server).toEqual({ address: '10.0.9.9', port: 80, family: 'inet' });
    expect(c.virtual_server[1]!.sorry_server).toEqual({ address: '2001:db8::9', port: 8080, family: 'inet6' });
  });

  it('fills tunnel settings only for tun services', () => {
    const c = ok(
      `${base}forwarding = "tun"\ntun_type = "gue"\ntun_port = 6080\ntun_flags = "remcsum"\n[[virtual_server]]\nname = "n"\naddress = "10.0.0.2"\nport = 80\n`,
    );
    expect(c.virtual_server[0]).toMatchObject({ tun_type: 'gue', tun_port: 6080, tun_flags: 2 });
    expect(c.virtual_server[1]!.tun_type).toBeUndefined();
  });

  it('accepts a DR real server without a port (it takes the service port)', () => {
    const c = ok(`${base}forwarding = "dr"\n[[virtual_server.real_server]]\naddress = "10.0.1.1"\n`);
    expect(c.virtual_server[0]!.real_server[0]!.port).toBe(80);
  });

  it('reports every problem of a file at once, fields and cross-field rules together', () => {
    const r = parseConfig(
      `${base}scheduler = "x"\nforwarding = "dr"\n[[virtual_server.real_server]]\naddress = "10.0.1.1"\nport = 81\nweight = -2\n[[virtual_server]]\nname = "web"\naddress = "10.0.0.9"\nport = 80\n`,
      't',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual([
      'virtual_server[0] (web).real_server[0].port',
      'virtual_server[0] (web).real_server[0].weight',
      'virtual_server[0] (web).scheduler',
      'virtual_server[1] (web).name',
    ]);
  });

  it('does not report the same problem twice', () => {
    const r = parseConfig(`${base}port2 = 1\n`, 't');
    expect(!r.ok && r.problems.length).toBe(1);
  });
});

describe('formatPath / formatProblems', () => {
  it('names tables that have a name', () => {
    const raw = { virtual_server: [{ name: 'web', real_server: [{}, {}, { port: '80a' }] }] };
    expect(formatPath(raw, ['virtual_server', 0, 'real_server', 2, 'port'])).toBe(
      'virtual_server[0] (web).real_server[2].port',
    );
  });

  it('prints one line per problem', () => {
    expect(
      formatProblems('f', [
        { path: 'a.b', message: 'm1' },
        { path: '', message: 'm2' },
      ]),
    ).toBe('f: a.b: m1\nf: m2');
  });
});

describe('inherited check problems', () => {
  it('reports a mistake in the virtual server check once, not again for each real server override', () => {
    const r = parseConfig(
      `${base}check = { type = "http", paht = "/h", rise = 0 }\n[[virtual_server.real_server]]\naddress = "10.0.1.1"\ncheck = { fall = 2 }\n[[virtual_server.real_server]]\naddress = "10.0.1.2"\ncheck = { rise = 0 }\n`,
      't',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual([
      'virtual_server[0] (web).check.paht',
      'virtual_server[0] (web).check.rise',
      'virtual_server[0] (web).real_server[1].check.rise',
    ]);
  });
});

describe('inherited check problems (2)', () => {
  it('still reports a problem that only the merge creates (override interval below the inherited timeout)', () => {
    const r = parseConfig(
      `${base}check = { type = "tcp", timeout = "500ms" }\n[[virtual_server.real_server]]\naddress = "10.0.1.1"\ncheck = { interval = "100ms" }\n`,
      't',
    );
    expect(!r.ok && r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'virtual_server[0] (web).real_server[0].check.timeout: timeout (500ms) must not exceed interval (100ms)',
    ]);
  });
});

describe('formatPath with hostile names', () => {
  it('quotes names with spaces or control characters and cuts long ones', () => {
    expect(formatPath({ virtual_server: [{ name: 'a\nb' }] }, ['virtual_server', 0, 'port'])).toBe(
      'virtual_server[0] ("a\\nb").port',
    );
    expect(formatPath({ virtual_server: [{ name: 'x'.repeat(100) }] }, ['virtual_server', 0])).toMatch(
      /^virtual_server\[0\] \("x{38}…"\)$/,
    );
  });
});

describe('hostile keys', () => {
  it('quotes an unknown key with a newline in both the path and the message', () => {
    const r = parseConfig('[global]\n"a\\nb" = 1\n', 't');
    expect(!r.ok && r.problems[0]).toEqual({ path: 'global."a\\nb"', message: 'unknown key "a\\nb"' });
  });
});

describe('messages in plain words, never zod’s own text', () => {
  it('VRRP and check values of the wrong type or literal name what was expected and what came', () => {
    const r = parseConfig(
      `[[virtual_server]]\nname = "web"\naddress = "10.0.0.1"\nport = 80\ncheck = { type = "http", follow_redirects = "yes" }\n` +
        `[[virtual_server.real_server]]\naddress = "10.0.0.2"\n` +
        `[[vrrp_instance]]\nname = "VI_1"\ninterface = "eth0"\nvirtual_router_id = 51\npriority = 150\nversion = 4\n` +
        `virtual_ipaddress = ["192.0.2.10/32"]\nauthentication = { type = "foo", password = "x" }\n` +
        `track_virtual_server = [{ name = "web", weight = "x" }]\nnotify = { master = "echo hi" }\n`,
      't.toml',
    );
    expect(r.ok).toBe(false);
    const text = !r.ok ? formatProblems('t.toml', r.problems) : '';
    expect(text).not.toMatch(/Invalid (input|option)|received/);
    expect(text).toContain('(VI_1).version: expected 2 or 3, got 4');
    expect(text).toContain('(VI_1).authentication.type: expected "pass", got "foo"');
    expect(text).toContain('(web).weight: expected number, got "x"');
    expect(text).toContain('(VI_1).notify.master: expected array, got "echo hi"');
    expect(text).toContain('check.follow_redirects: expected boolean or number, got "yes"');
  });
});
