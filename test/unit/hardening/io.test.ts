/**
 * Issue 12, the hardening parts with a file or socket: bounded reads of regular files only, the
 * state file moved aside and drains written before they take effect, a local resource error never
 * counted against a server, and the control socket's connection cap and idle timeout.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../../../src/control/client.js';
import { ControlServer } from '../../../src/control/server.js';
import { Overrides } from '../../../src/daemon/overrides.js';
import type { Checker, ProbeResult } from '../../../src/health/checker.js';
import { failure } from '../../../src/health/checker.js';
import { HealthEngine, type HealthEvent } from '../../../src/health/engine.js';
import { checkSchema, type CheckSpec } from '../../../src/health/schema.js';
import { ManualClock } from '../../../src/util/clock.js';
import { readRegularFile, readRegularFileSync } from '../../../src/util/regular-file.js';

const dir = mkdtempSync(join(tmpdir(), 'lvsd-hardening-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading files lvsd is pointed at', () => {
  it('a FIFO, /dev/zero and a directory are refused at once, by kind', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(readRegularFile(fifo, 100)).rejects.toMatchObject({
      code: 'ENOTREG',
      message: 'it is a FIFO, not a regular file',
    });
    expect(() => readRegularFileSync('/dev/zero', 100)).toThrow('it is a character device, not a regular file');
    await expect(readRegularFile(dir, 100)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('reads at most max bytes: a larger file is EFBIG, one of exactly max is read', async () => {
    const f = join(dir, 'big');
    writeFileSync(f, 'x'.repeat(101));
    await expect(readRegularFile(f, 100)).rejects.toMatchObject({ code: 'EFBIG' });
    writeFileSync(f, 'x'.repeat(100));
    expect(readRegularFileSync(f, 100)).toHaveLength(100);
  });
});

describe('overrides and the state file', () => {
  it('a corrupt file is moved aside, named, and the daemon starts with no overrides', () => {
    const f = join(dir, 'corrupt.json');
    writeFileSync(f, '{"version":1,"drained":[],"removedDrains":[null]}');
    const o = new Overrides(f);
    const problem = o.load();
    expect(problem).toMatch(/state file .* is corrupt \(removedDrains\[0\]/);
    expect(problem).toMatch(/moved to .*corrupt\.json\.bad-/);
    expect(o.lostAtStart).toBe(problem);
    expect(existsSync(f)).toBe(false);
    expect(o.removedDrains()).toEqual([]);
  });

  it('a drain whose write fails changes nothing, leaves no temp file, and fails again on retry', () => {
    const sub = join(dir, 'w');
    mkdirSync(sub);
    const f = join(sub, 'state.json');
    const o = new Overrides(f);
    o.load();
    mkdirSync(f); // the state file is now a directory: rename onto it fails
    const drain = () => o.setServer('web', '10.0.0.2:80', { state: 'drain' });
    for (let i = 0; i < 2; i++) expect(drain).toThrow(/nothing changed/);
    expect(o.server('web|10.0.0.2:80')).toBeUndefined();
    expect(readdirSync(sub)).toEqual(['state.json']);
    rmSync(f, { recursive: true });
    drain();
    expect(o.server('web|10.0.0.2:80')).toEqual({ state: 'drain' });
  });
});

describe('a probe that fails on this host', () => {
  function run(result: ProbeResult) {
    const clock = new ManualClock();
    const checker: Checker<CheckSpec> = { kind: 'tcp', schema: checkSchema, probe: async () => result };
    const engine = new HealthEngine({ clock, random: () => 0, checkers: new Map([['tcp', checker]]) });
    const events: HealthEvent[] = [];
    engine.onTransition((e) => events.push(e));
    const spec = checkSchema.parse({ type: 'tcp', interval: '1s', timeout: '500ms', fall: 2 });
    engine.setTargets([{ id: 'a', address: '10.0.0.1', port: 80, spec }]);
    return { clock, engine, events };
  }
  const flush = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };

  it('EMFILE is never counted against the server; the same failure from the server is (contrast)', async () => {
    const local = failure('connect EMFILE', { code: 'EMFILE' });
    expect(local.local).toBe(true);
    const remote = failure('connect ECONNREFUSED', { code: 'ECONNREFUSED' });
    expect(remote.local).toBeUndefined();
    for (const [r, want] of [
      [local, 'up'],
      [remote, 'down'],
    ] as const) {
      const { clock, engine, events } = run(r);
      for (let t = 0; t < 10_000; t += 100) {
        clock.advance(100);
        await flush();
      }
      expect(engine.status('a')!.state).toBe(want);
      expect(events.length).toBe(want === 'up' ? 0 : 1);
      expect(engine.status('a')!.lastResults.at(-1)!.detail).toContain(r.detail);
      await engine.stop();
    }
  });
});

describe('control socket limits', () => {
  it('one connection over the cap is answered EBUSY; a silent connection is closed after the idle time', async () => {
    const path = join(dir, 'ctl.sock');
    const srv = await ControlServer.listen(path, async () => 'fine', { limits: { connections: 2, idleMs: 300 } });
    try {
      const idle = [connect(path), connect(path)];
      const closed = idle.map((c) => new Promise((r) => c.on('close', r)));
      idle.forEach((c) => c.on('error', () => undefined));
      await Promise.all(idle.map((c) => new Promise((r) => c.on('connect', r))));
      await expect(request(path, { cmd: 'status' }, 5000)).resolves.toMatchObject({
        ok: false,
        error: { code: 'EBUSY' },
      });
      const t0 = Date.now();
      await Promise.all(closed);
      expect(Date.now() - t0).toBeLessThan(5000);
      await expect(request(path, { cmd: 'status' }, 5000)).resolves.toEqual({ ok: true, result: 'fine' });
    } finally {
      await srv.close();
    }
  });
});
