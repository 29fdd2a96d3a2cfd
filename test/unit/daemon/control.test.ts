import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlServer, connectionLevel } from '../../../src/control/server.js';
import { request } from '../../../src/control/client.js';
import { ControlError, levelNeeded } from '../../../src/control/protocol.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lvsd-ctl-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function raw(path: string, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let out = '';
    s.on('connect', () => s.write(bytes));
    s.on('data', (c) => (out += c));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

describe('control levels', () => {
  it('root and the daemon user are admin, anyone else the socket lets in is user (read-only)', () => {
    expect(connectionLevel(0, 1000)).toBe('admin');
    expect(connectionLevel(1000, 1000)).toBe('admin');
    expect(connectionLevel(1001, 1000)).toBe('user');
    expect(connectionLevel(undefined, 0)).toBe('user'); // unknown peer: least privilege
  });
  it('status is user level; every change needs admin', () => {
    expect(levelNeeded({ cmd: 'status' })).toBe('user');
    for (const cmd of ['drain', 'enable', 'reload'] as const) expect(levelNeeded({ cmd })).toBe('admin');
  });
});

describe('control socket', () => {
  it('answers one request per connection, mode 0600, handler errors keep their code', async () => {
    const path = join(dir(), 'sub', 'lvsd.sock');
    const srv = await ControlServer.listen(path, async (req) => {
      if (req.cmd === 'drain') throw new ControlError('ENOVS', 'no virtual server named "x"');
      return { echo: req.cmd, big: 2n ** 64n };
    });
    cleanups.push(() => srv.close());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await request(path, { cmd: 'status' })).toEqual({
      ok: true,
      result: { echo: 'status', big: '18446744073709551616' },
    });
    expect(await request(path, { cmd: 'drain', vs: 'x', rs: 'y' })).toEqual({
      ok: false,
      error: { code: 'ENOVS', message: 'no virtual server named "x"' },
    });
  });

  it('garbage, unknown commands and oversized lines get an EBADREQ answer; the server keeps serving', async () => {
    const path = join(dir(), 'lvsd.sock');
    const srv = await ControlServer.listen(path, async () => 'fine');
    cleanups.push(() => srv.close());
    expect(JSON.parse(await raw(path, '\x00\xff{{{\n'))).toMatchObject({ ok: false, error: { code: 'EBADREQ' } });
    expect(JSON.parse(await raw(path, '{"cmd":"shutdown"}\n'))).toMatchObject({
      ok: false,
      error: { code: 'EBADREQ' },
    });
    expect(JSON.parse(await raw(path, 'x'.repeat(70_000)))).toMatchObject({
      ok: false,
      error: { code: 'EBADREQ', message: 'request line too long' },
    });
    expect(await request(path, { cmd: 'reload' })).toEqual({ ok: true, result: 'fine' });
  });

  it('a live socket is refused (EADDRINUSE); a regular file at the path is never removed (EEXIST)', async () => {
    const d = dir();
    const path = join(d, 'lvsd.sock');
    const a = await ControlServer.listen(path, async () => 1);
    await expect(ControlServer.listen(path, async () => 2)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await a.close();
    const file = join(d, 'not-a-socket');
    writeFileSync(file, 'keep me');
    await expect(ControlServer.listen(file, async () => 3)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(statSync(file).size).toBe(7);
  });

  it('the client names a daemon that is not running', async () => {
    await expect(request(join(dir(), 'none.sock'), { cmd: 'status' })).rejects.toMatchObject({
      code: 'ENODAEMON',
      message: expect.stringContaining('lvsd is not running'),
    });
  });
});
