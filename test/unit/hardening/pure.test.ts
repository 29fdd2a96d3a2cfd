/**
 * Issue 12, the pure parts of the hardening: the signal table, NODE_OPTIONS without --inspect,
 * quoting, duration bounds, linear-time regexes, the state-file schema, restart-only keys,
 * control_socket_group lookup and program checks for --check.
 */
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { formatProblems, parseConfig } from '../../../src/config/load.js';
import { pendingRestart } from '../../../src/config/restart-only.js';
import { programProblem } from '../../../src/daemon/check-env.js';
import { controlGroupId } from '../../../src/daemon/group.js';
import {
  IgnoredSignalLog,
  IGNORED_LOG_EVERY_MS,
  isAccountedFor,
  profilerOwnsSigprof,
  SIGNAL_ACTIONS,
} from '../../../src/daemon/signals.js';
import { parseStateFile } from '../../../src/daemon/state-file.js';
import { linearRegex, regexProblem } from '../../../src/health/regex.js';
import { withoutInspect } from '../../../src/util/inspector-guard.js';
import { capMessage, quote } from '../../../src/util/quote.js';

const base = `[[virtual_server]]\nname = "web"\naddress = "10.0.0.1"\nport = 80\n`;
const problems = (text: string) => {
  const r = parseConfig(text, 't.toml');
  return r.ok ? '' : formatProblems('t.toml', r.problems);
};

describe('signals', () => {
  it('every signal Node knows on this system is handled, harmless by default, or listed as unhandled', () => {
    const names = Object.keys(constants.signals);
    expect(names.length).toBeGreaterThan(25);
    expect(names.filter((n) => !isAccountedFor(n))).toEqual([]);
  });

  it('USR1 is a status dump and USR2 counters: neither is left to Node (inspector / terminate)', () => {
    expect(SIGNAL_ACTIONS.SIGUSR1).toBe('status');
    expect(SIGNAL_ACTIONS.SIGUSR2).toBe('counters');
    expect(SIGNAL_ACTIONS.SIGQUIT).toBe('stop');
    expect(SIGNAL_ACTIONS.SIGABRT).toBe('fatal');
  });

  it('an ignored signal is logged once, then at most once per window with the count suppressed', () => {
    const l = new IgnoredSignalLog();
    expect(l.note('SIGALRM', 0)).toBe(0);
    expect(l.note('SIGALRM', 10)).toBeUndefined();
    expect(l.note('SIGALRM', 20)).toBeUndefined();
    expect(l.note('SIGPROF', 20)).toBe(0);
    expect(l.note('SIGALRM', IGNORED_LOG_EVERY_MS + 1)).toBe(2);
  });

  it("SIGPROF is left to V8's sampling profiler when Node runs with one, and handled otherwise", () => {
    expect(profilerOwnsSigprof(['--cpu-prof', '--cpu-prof-dir=/tmp/p'])).toBe(true);
    expect(profilerOwnsSigprof(['--prof'])).toBe(true);
    expect(profilerOwnsSigprof([])).toBe(false);
    expect(profilerOwnsSigprof(['--cpu-prof-dir=/tmp/p', '--max-old-space-size=512'])).toBe(false);
  });
});

describe('NODE_OPTIONS for children', () => {
  it('drops every --inspect and --debug form and keeps the rest', () => {
    expect(withoutInspect('--inspect --max-old-space-size=100 --inspect-brk=0.0.0.0:9229 --inspect-port=1')).toBe(
      '--max-old-space-size=100',
    );
    expect(withoutInspect(' --enable-source-maps ')).toBe('--enable-source-maps');
    expect(withoutInspect(undefined)).toBeUndefined();
  });
});

describe('quoted values are cut', () => {
  it('quotes short strings whole and long ones as 64 characters plus their length', () => {
    expect(quote('abc')).toBe('"abc"');
    const q = quote('x'.repeat(10_000_000));
    expect(q.length).toBeLessThan(100);
    expect(q).toContain('(10000000 characters)');
    expect(capMessage('y'.repeat(5000)).length).toBeLessThan(1100);
  });

  it('a 10 MB value in the config makes a short problem, wherever it is', () => {
    const huge = 'z'.repeat(10 * 1024 * 1024);
    for (const text of [
      `[global]\nrouter_id = "${huge}"\n`,
      `[global]\n"${huge}" = 1\n`,
      `${base}scheduler = "${huge}"\n`,
      `${base}  [virtual_server.check]\n  type = "tcp"\n  interval = "${huge}"\n`,
    ]) {
      const p = problems(text);
      expect(p).not.toBe('');
      expect(p.length).toBeLessThan(1500);
    }
  });
});

describe('durations fit Node timers', () => {
  it('rejects anything waited for past 24d, with the key path; accepts 24d', () => {
    expect(problems(`[global]\nresync_interval = "30d"\n`)).toContain(
      'global.resync_interval: must be at most 24d (the longest timer Node can hold), got "30d"',
    );
    expect(problems(`${base}  [virtual_server.check]\n  type = "tcp"\n  interval = "25d"\n`)).toContain(
      'virtual_server[0] (web).check.interval: must be at most 24d',
    );
    expect(problems(`[global]\ndrain_timeout = "24d"\n`)).toBe('');
  });

  it("persistence is the kernel's timeout, not a timer: 30d is fine", () => {
    expect(problems(`${base}persistence = "30d"\n`)).toBe('');
  });
});

describe('regular expressions of checks', () => {
  it('a pattern that backtracks exponentially in V8 matches a hostile reply in linear time', () => {
    const test = linearRegex('(a+)+$');
    const t0 = performance.now();
    expect(test('a'.repeat(100_000) + '!')).toBe(false); // V8's engine: ~25 s at 27 characters (the issue)
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(test('aaaa')).toBe(true);
  });

  it('rejects backreferences, lookaround and overlong patterns with the reason', () => {
    expect(regexProblem('(a)\\1')).toMatch(/no backreferences or lookaround/);
    expect(regexProblem('a(?=b)')).toMatch(/no backreferences or lookaround/);
    expect(regexProblem('a'.repeat(600))).toMatch(/at most 512/);
    expect(regexProblem('status: (ok|up)')).toBeUndefined();
    expect(problems(`${base}  [virtual_server.check]\n  type = "http"\n  expect_body = "(a)\\\\1"\n`)).toContain(
      'virtual_server[0] (web).check.expect_body: invalid regular expression',
    );
  });

  it('expect_body runs on at most 64 KiB: a larger max_body_bytes with it is refused', () => {
    const c = `${base}  [virtual_server.check]\n  type = "http"\n  expect_body = "ok"\n  max_body_bytes = 1048576\n`;
    expect(problems(c)).toContain('check.max_body_bytes: with expect_body at most 65536');
    expect(problems(c.replace('  expect_body = "ok"\n', ''))).toBe('');
  });
});

describe('the state file', () => {
  it('accepts what the daemon writes and refuses a wrong field, naming it', () => {
    expect(
      parseStateFile(
        '{"version":2,"servers":[{"vs":"web","rs":"10.0.0.2:80","state":"ready","weight":5}],"services":[{"vs":"api","state":"maint"}]}',
      ),
    ).toEqual({
      ok: true,
      state: {
        servers: [{ vs: 'web', rs: '10.0.0.2:80', state: 'ready', weight: 5 }],
        services: [{ vs: 'api', state: 'maint' }],
        removedDrains: [],
      },
    });
    // version 1 (drains only) reads as servers in state drain
    expect(parseStateFile('{"version":1,"drained":[{"vs":"web","rs":"10.0.0.2:80"}]}')).toEqual({
      ok: true,
      state: { servers: [{ vs: 'web', rs: '10.0.0.2:80', state: 'drain' }], services: [], removedDrains: [] },
    });
    const cases: Array<[string, RegExp]> = [
      ['{"version":1,"drained":[],"removedDrains":[null]}', /^removedDrains\[0\]/],
      [
        '{"version":1,"drained":[],"removedDrains":[{"why":"removed","service":5,"dest":"x","vs":"a","rs":"b"}]}',
        /^removedDrains\[0\]\.service/,
      ],
      ['{"version":3,"drained":[]}', /^version/],
      ['{"version":2,"servers":[{"vs":"web","rs":"10.0.0.2:80","state":"up"}],"services":[]}', /^servers\[0\]\.state/],
      [
        '{"version":2,"servers":[{"vs":"web","rs":"10.0.0.2:80","state":"ready","weight":70000}],"services":[]}',
        /^servers\[0\]\.weight/,
      ],
      ['{"version":1,"drained":[{"vs":1}]}', /^drained\[0\]\.vs/],
      ['not json', /^not JSON/],
    ];
    for (const [text, want] of cases) {
      const r = parseStateFile(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problem).toMatch(want);
    }
  });
});

describe('restart-only keys', () => {
  it('names the keys whose new value waits for a restart, against the running values', () => {
    const g = (o: object) => ({
      router_id: 'lb1',
      log_level: 'info' as const,
      control_socket: '/run/lvsd/lvsd.sock',
      resync_interval: 30_000,
      on_shutdown: 'keep' as const,
      removal: 'drain' as const,
      drain_timeout: 300_000,
      state_file: '/var/lib/lvsd/state.json',
      ...o,
    });
    expect(pendingRestart(g({}), g({ resync_interval: 5000, log_level: 'debug' }))).toEqual([]);
    expect(
      pendingRestart(g({}), g({ metrics_listen: { host: '127.0.0.1', port: 9405 }, control_socket: '/run/x.sock' })),
    ).toEqual(['global.control_socket', 'global.metrics_listen']);
  });
});

describe('--check helpers', () => {
  it('control_socket_group: a number as is, a name from /etc/group, else EGROUP', () => {
    const file = 'root:x:0:\nlvsadm:x:998:alice\n';
    expect(controlGroupId('1234', file)).toBe(1234);
    expect(controlGroupId('lvsadm', file)).toBe(998);
    expect(() => controlGroupId('nope', file)).toThrow(/no such group/);
  });

  it('a program: missing, a directory, not executable, found on PATH', () => {
    expect(programProblem('/nonexistent/x', '/bin')).toBe('does not exist');
    expect(programProblem('/tmp', '/bin')).toMatch(/not a regular file/);
    expect(programProblem('/etc/passwd', '/bin')).toMatch(/not executable/);
    expect(programProblem('sh', '/usr/bin:/bin')).toBeUndefined();
    expect(programProblem('no-such-program-lvsd', '/usr/bin:/bin')).toBe('is not found on PATH');
  });
});
