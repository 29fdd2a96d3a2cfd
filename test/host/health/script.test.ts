import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { checkRunner } from './check.js';
import { processGone, tempDir } from './servers.js';

describe.skipIf(!hasRoot('host: script checks (process groups)'))('script checks', () => {
  const tmp = tempDir('script');
  const runner = checkRunner({ maxConcurrentScripts: 2 });
  afterAll(() => {
    runner.close();
    tmp.cleanup();
  });
  const script = (name: string, body: string) => {
    const p = join(tmp.dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };

  it('exit 0 is up, other codes are down with the output tail; argv is passed without a shell', async () => {
    expect(await runner.once({ type: 'script', command: ['/bin/true'] }, '10.0.0.1', 80)).toEqual({
      ok: true,
      detail: 'script exited 0',
    });
    const r = await runner.once(
      { type: 'script', command: ['/bin/sh', '-c', 'echo "db lag too high" >&2; exit 3'] },
      '10.0.0.1',
      80,
    );
    expect(r).toEqual({ ok: false, detail: 'script exited 3: db lag too high' });
    const lit = await runner.once({ type: 'script', command: ['/bin/echo', '$HOME;', '`id`'] }, '10.0.0.1', 80);
    expect(lit).toEqual({ ok: true, detail: 'script exited 0: $HOME; `id`' });
  });

  it('gets the real server in its environment', async () => {
    const r = await runner.once(
      { type: 'script', command: ['/bin/sh', '-c', 'echo "$LVSD_RS_ADDRESS $LVSD_RS_PORT"'] },
      '10.9.8.7',
      8443,
    );
    expect(r).toEqual({ ok: true, detail: 'script exited 0: 10.9.8.7 8443' });
  });

  it('a missing program is down with the reason', async () => {
    expect(await runner.once({ type: 'script', command: ['/nonexistent/check'] }, '10.0.0.1', 80)).toEqual({
      ok: false,
      detail: 'cannot run /nonexistent/check: ENOENT',
    });
  });

  it('dynamic: exit code → weight like misc_dynamic', async () => {
    const dyn = (code: number) =>
      runner.once({ type: 'script', dynamic: true, command: ['/bin/sh', '-c', `exit ${code}`] }, '10.0.0.1', 80);
    expect(await dyn(0)).toEqual({ ok: true, detail: 'script exited 0' });
    expect(await dyn(1)).toEqual({ ok: false, detail: 'script exited 1' });
    expect(await dyn(7)).toEqual({ ok: true, detail: 'script exited 7 (weight 5)', weight: 5 });
    expect(await dyn(255)).toMatchObject({ ok: true, weight: 253 });
  });

  it('a hanging script is killed with its whole process group at the timeout', async () => {
    const pids = join(tmp.dir, 'pids');
    const hang = script(
      'hang.sh',
      `sleep 300 &\necho $! > ${pids}\n(sleep 301; true) &\necho $! >> ${pids}\necho $$ >> ${pids}\nwait`,
    );
    const t0 = Date.now();
    const r = await runner.once({ type: 'script', command: [hang], timeout: '500ms', interval: '1s' }, '10.0.0.1', 80);
    expect(r).toEqual({
      ok: false,
      detail: `script ${hang} did not finish (process group killed) within 500 ms`,
      timedOut: true,
    });
    expect(Date.now() - t0).toBeLessThan(2000);
    const list = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(list.length).toBe(3);
    await new Promise((res) => setTimeout(res, 200));
    expect(list.filter((pid) => !processGone(pid))).toEqual([]);
  });

  it('never runs more scripts at once than the limit', async () => {
    const log = join(tmp.dir, 'overlap');
    writeFileSync(log, '');
    const s = script('slow.sh', `echo start >> ${log}\nsleep 0.3\necho end >> ${log}`);
    const rs = await Promise.all(
      [1, 2, 3, 4].map(() =>
        runner.once({ type: 'script', command: [s], timeout: '2s', interval: '2s' }, '10.0.0.1', 80),
      ),
    );
    expect(rs.every((r) => r.ok)).toBe(true);
    let cur = 0;
    let max = 0;
    for (const l of readFileSync(log, 'utf8').trim().split('\n')) {
      cur += l === 'start' ? 1 : -1;
      max = Math.max(max, cur);
    }
    expect(max).toBe(2);
  });
});
