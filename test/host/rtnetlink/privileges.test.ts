/**
 * Missing privileges: run the built code (dist/, made by `npm run build`) as nobody with no
 * capabilities, inside a throwaway namespace, and check the errors name the capability.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns } from '../../support/netns.js';
import { hasRoot } from '../../support/root.js';

function asNobody(ns: Netns, script: string): string {
  const args = [
    'netns',
    'exec',
    ns.name,
    'setpriv',
    '--reuid=65534',
    '--regid=65534',
    '--clear-groups',
    '--inh-caps=-all',
  ];
  return execFileSync('ip', [...args, process.execPath, '--input-type=module', '-e', script], {
    cwd: process.cwd(),
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe.skipIf(!hasRoot('host: privilege errors'))('without privileges', () => {
  let ns: Netns;
  beforeAll(() => (ns = new Netns('prv')));
  afterAll(() => ns?.cleanup());

  it('an rtnetlink write is EPERM naming CAP_NET_ADMIN, and nothing changes', () => {
    const out = asNobody(
      ns,
      `import { Rtnetlink } from './dist/src/rtnetlink/client.js';
       const rt = Rtnetlink.open();
       try { await rt.addAddress({ ifindex: 1, address: '127.0.0.9', prefixlen: 32 }); console.log('ADDED'); }
       catch (e) { console.log(JSON.stringify({ code: e.code, name: e.name, message: e.message })); }
       rt.close();`,
    );
    const e = JSON.parse(out);
    expect(e).toMatchObject({ code: 'EPERM', name: 'NetlinkError' });
    expect(e.message).toMatch(/^RTM_NEWADDR 127\.0\.0\.9\/32 dev 1: EPERM .*CAP_NET_ADMIN/);
    expect(ns.ip('-o', 'addr', 'show', 'dev', 'lo')).not.toContain('127.0.0.9');
  });

  it('reading still works (listing needs no privilege)', () => {
    const out = asNobody(
      ns,
      `import { Rtnetlink } from './dist/src/rtnetlink/client.js';
       const rt = Rtnetlink.open();
       console.log((await rt.listLinks()).map((l) => l.name).join(','));
       rt.close();`,
    );
    expect(out.trim()).toBe('lo');
  });

  it('a raw socket is a SysError EPERM naming CAP_NET_RAW', () => {
    const out = asNobody(
      ns,
      `import { NativeSocket } from './dist/native/socket.js';
       try { NativeSocket.open(2, 3, 112); console.log('OPENED'); }
       catch (e) { console.log(JSON.stringify({ code: e.code, syscall: e.syscall, message: e.message })); }`,
    );
    const e = JSON.parse(out);
    expect(e).toMatchObject({ code: 'EPERM', syscall: 'socket' });
    expect(e.message).toContain('CAP_NET_RAW');
  });
});
