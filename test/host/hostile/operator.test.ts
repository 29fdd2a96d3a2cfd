/**
 * Hostile-input suite, the operator's side (issue 12, defects 5, 6, 8-14): each case says what the
 * careless operator (or a local user) did and checks what lvsd answered: exit code and message,
 * the daemon still serving, and its table unchanged where it should be.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createHttp } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { LvsdProcess, Scratch, freePort, lvsctl, lvsdSync, requireBuild, waitFor } from '../daemon-support.js';
import { oneService, table } from './support.js';

describe.skipIf(!hasRoot('host: hostile operator input'))('hostile input: the operator and local users', () => {
  const s = new Scratch();
  const servers: Server[] = [];
  afterAll(() => {
    servers.forEach((x) => x.close());
    s.cleanup();
  });
  const sock = s.path('lvsd.sock');
  const check = (file: string) => lvsdSync(['-f', file, '--check'], 20_000);

  it('the metrics port is taken by another process: lvsd exits 1 at once, names it, and leaves no control socket', async () => {
    requireBuild();
    const port = await freePort();
    const squatter = createServer();
    servers.push(squatter);
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    const cfg = s.write('taken.toml', oneService(s, `metrics_listen = "127.0.0.1:${port}"`));
    const t0 = Date.now();
    const r = lvsdSync(['-f', cfg, '--dataplane', 'memory'], 20_000);
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.stderr).toContain(`cannot listen on metrics_listen 127.0.0.1:${port}`);
    expect(r.stderr).toContain('EADDRINUSE');
    expect(existsSync(sock)).toBe(false);
    // --check says it beforehand, as a warning (it may be the running lvsd's own port)
    const c = check(cfg);
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/warning: global\.metrics_listen: port \d+ on 127\.0\.0\.1 is not free now/);
  });

  it("metrics_listen on an address that is not this host's, or malformed: --check exits 2 naming the key", () => {
    const notLocal = check(s.write('nl.toml', oneService(s, 'metrics_listen = "192.0.2.77:9405"')));
    expect(notLocal.code).toBe(2);
    expect(notLocal.stderr).toContain(
      'global.metrics_listen: cannot listen on 192.0.2.77: not an address of this host',
    );
    const bad = check(s.write('bad.toml', oneService(s, 'metrics_listen = "999.1.1.1:9405"')));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('global.metrics_listen: the host must be an IP address');
  });

  it('a script check whose program is missing or not executable: --check exits 2 with the key path', () => {
    const noexec = s.write('noexec.sh', '#!/bin/sh\nexit 0\n');
    for (const [prog, want] of [
      ['/nonexistent/check.sh', 'does not exist'],
      [noexec, 'is not executable'],
    ]) {
      const cfg = s.write(
        'script.toml',
        oneService(s, '', `  [virtual_server.check]\n  type = "script"\n  command = ["${prog}"]\n`),
      );
      const r = check(cfg);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`virtual_server[0] (web).check.command: "${prog}" ${want}`);
    }
  });

  it('a duration past what Node timers hold ("30d"): --check exits 2 naming the key', () => {
    const r = check(s.write('30d.toml', oneService(s, 'resync_interval = "30d"')));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('global.resync_interval: must be at most 24d');
    const i = check(
      s.write('25d.toml', oneService(s, '', '  [virtual_server.check]\n  type = "tcp"\n  interval = "25d"\n')),
    );
    expect(i.code).toBe(2);
    expect(i.stderr).toContain('virtual_server[0] (web).check.interval: must be at most 24d');
  });

  it('a 10 MB string in the config: the message quotes 64 characters of it, not 10 MB', () => {
    const r = check(s.write('huge.toml', oneService(s, `router_id = "${'x'.repeat(10 * 1024 * 1024)}"`)));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('global.router_id');
    expect(r.stderr).toContain('(10485760 characters)');
    expect(r.stderr.length).toBeLessThan(2000);
  });

  it('the config "file" is a FIFO or /dev/zero: refused at once, exit 2, the kind named', () => {
    const fifo = s.path('fifo.toml');
    spawnSync('mkfifo', [fifo]);
    for (const [f, kind] of [
      [fifo, 'a FIFO'],
      ['/dev/zero', 'a character device'],
    ]) {
      const t0 = Date.now();
      const r = check(f);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`cannot read config file ${f}: it is ${kind}, not a regular file`);
      expect(Date.now() - t0).toBeLessThan(15_000);
    }
  });

  it('a backtracking regex (expect_body "(a+)+$") and a backend answering "aaa…a!": the engine is not stalled', async () => {
    const port = await freePort();
    const evil = createHttp((_q, res) => res.end('a'.repeat(40) + '!'));
    servers.push(evil);
    await new Promise<void>((r) => evil.listen(port, '127.0.0.1', r));
    const cfg = s.write(
      'redos.toml',
      `[global]\ncontrol_socket = "${sock}"\nstate_file = "${s.path('state.json')}"\n` +
        `[[virtual_server]]\nname = "web"\naddress = "10.250.0.1"\nport = ${port}\n` +
        `  [virtual_server.check]\n  type = "http"\n  expect_body = "(a+)+$"\n  interval = "200ms"\n  timeout = "150ms"\n  fall = 1\n` +
        `  [[virtual_server.real_server]]\n  address = "127.0.0.1"\n  port = ${port}\n`,
    );
    expect(check(cfg).code).toBe(0);
    const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    try {
      await d.logged('started', (l) => l.msg === 'lvsd started');
      await waitFor('the server judged down', () => table(sock)['127.0.0.1:' + port]?.health === 'down', 20_000);
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        expect(lvsctl(['-s', sock, 'status']).code).toBe(0);
        expect(Date.now() - t0).toBeLessThan(5000); // V8's backtracking took 25 s per status at 27 characters
      }
    } finally {
      d.proc.kill('SIGTERM');
      await d.exited;
    }
    const back = check(s.write('backref.toml', cfgWithBody(s, port, '(a)\\\\1')));
    expect(back.code).toBe(2);
    expect(back.stderr).toContain('expect_body: invalid regular expression');
    expect(back.stderr).toContain('no backreferences or lookaround');
  });

  it('a semantically corrupt state file (removedDrains: [null]): lvsd starts, moves it aside, lvsctl status says overrides were lost', async () => {
    writeFileSync(s.path('state.json'), '{"version":1,"drained":[],"removedDrains":[null]}');
    const cfg = s.write('state.toml', oneService(s));
    const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    try {
      await d.logged('started', (l) => l.msg === 'lvsd started');
      const st = lvsctl(['-s', sock, 'status']);
      expect(st.code).toBe(0);
      expect(st.stdout).toContain('WARNING: operator overrides lost at start');
      expect(st.stdout).toContain('removedDrains[0]');
      expect(readdirSync(s.dir).some((f) => f.startsWith('state.json.bad-'))).toBe(true);
      expect(table(sock)['10.250.1.1:80']).toMatchObject({ kernelWeight: 5 });
    } finally {
      d.proc.kill('SIGTERM');
      expect(await d.exited).toBe(0);
    }
  });

  it('the state file cannot be written (state.json is a directory): lvsctl drain fails with ESTATE, twice, nothing drained, no .tmp left', async () => {
    const cfg = s.write('nowrite.toml', oneService(s));
    const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    try {
      await d.logged('started', (l) => l.msg === 'lvsd started');
      mkdirSync(s.path('state.json'), { recursive: true });
      for (let i = 0; i < 2; i++) {
        const r = lvsctl(['-s', sock, 'drain', 'web', '10.250.1.2:80']);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('nothing changed (ESTATE)');
      }
      expect(table(sock)['10.250.1.2:80']).toMatchObject({ kernelWeight: 5, drained: false });
      expect(readdirSync(s.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      rmdirSync(s.path('state.json'));
      expect(lvsctl(['-s', sock, 'drain', 'web', '10.250.1.2:80']).stdout).toContain(
        'web 10.250.1.2:80: ready -> drain',
      );
      await waitFor('weight 0', () => table(sock)['10.250.1.2:80']?.kernelWeight === 0);
      expect(readFileSync(s.path('state.json'), 'utf8')).toContain('10.250.1.2:80');
    } finally {
      d.proc.kill('SIGTERM');
      expect(await d.exited).toBe(0);
    }
  });

  it('a reload changes restart-only settings: the reload result, the log and lvsctl status name them', async () => {
    const port = await freePort();
    const cfg = s.write('restart.toml', oneService(s));
    const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    try {
      await d.logged('started', (l) => l.msg === 'lvsd started');
      writeFileSync(cfg, oneService(s, `metrics_listen = "127.0.0.1:${port}"\nlog_level = "warn"`));
      const r = lvsctl(['-s', sock, 'reload']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('not applied until lvsd restarts: global.metrics_listen');
      await d.logged('the restart warning', (l) => String(l.msg).includes('global.metrics_listen changed'));
      expect(lvsctl(['-s', sock, 'status']).stdout).toContain('not applied until lvsd restarts: global.metrics_listen');
      expect(d.lines.some((l) => l.msg === 'log level is now warn')).toBe(true);
    } finally {
      d.proc.kill('SIGTERM');
      expect(await d.exited).toBe(0);
    }
  });

  it('a local user opens 100 idle connections to the control socket: lvsctl gets EBUSY, then answers once they time out', async () => {
    const cfg = s.write('idle.toml', oneService(s));
    const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    const held: Socket[] = [];
    let ended = 0;
    try {
      await d.logged('started', (l) => l.msg === 'lvsd started');
      for (let i = 0; i < 100; i++) {
        const c = connect(sock);
        c.on('error', () => undefined);
        c.on('end', () => ended++).resume();
        held.push(c);
      }
      await waitFor('connections open', () => held.filter((c) => !c.connecting).length === 100);
      const busy = lvsctl(['-s', sock, 'status']);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/EBUSY/);
      const t0 = Date.now();
      await waitFor('lvsctl answering again', () => lvsctl(['-s', sock, 'status']).code === 0, 30_000, 500);
      expect(Date.now() - t0).toBeLessThan(20_000);
      // the daemon closed every one of them (EBUSY at once, or after its idle timeout)
      await waitFor('every attacker connection closed by the daemon', () => ended === 100, 10_000);
      expect(d.proc.exitCode).toBeNull();
    } finally {
      held.forEach((c) => c.destroy());
      d.proc.kill('SIGTERM');
      expect(await d.exited).toBe(0);
    }
  });
});

function cfgWithBody(s: Scratch, port: number, body: string): string {
  return (
    `[global]\ncontrol_socket = "${s.path('lvsd.sock')}"\nstate_file = "${s.path('state.json')}"\n` +
    `[[virtual_server]]\nname = "web"\naddress = "10.250.0.1"\nport = ${port}\n` +
    `  [virtual_server.check]\n  type = "http"\n  expect_body = "${body}"\n` +
    `  [[virtual_server.real_server]]\n  address = "127.0.0.1"\n  port = ${port}\n`
  );
}
