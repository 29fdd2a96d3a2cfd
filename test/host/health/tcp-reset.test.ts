/**
 * A tcp check counts a completed handshake as success whatever the server does next: a server that
 * accepts and closes at once (FIN) or accepts and resets at once (RST, often before lvsd's epoll batch
 * runs, so EPOLLOUT|EPOLLERR|EPOLLHUP arrive together) is up; a refused port is still down. Checked
 * with the checker itself (on loopback and across a veth into a namespace, no fd left behind) and with
 * `lvsd --dataplane memory` inside a namespace (up, down when killed, up again when restarted). Also
 * shows why bench/announce-health's first TCP backend went down for good: `s => s.end()` with no
 * 'error' handler dies of the RST lvsd closes every probe with.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema } from '../../../src/health/schema.js';
import type { ProbeTarget } from '../../../src/health/checker.js';
import { createTcpChecker, type TcpSpec } from '../../../src/health/tcp.js';
import { hasRoot } from '../../support/root.js';
import type { Netns } from '../../support/netns.js';
import { LvsdProcess, Scratch, lvsctl, requireBuild, waitFor } from '../daemon-support.js';
import { vethNamespace } from './servers.js';

type Mode = 'close' | 'reset';

/** Node's accept-and-close (FIN) and accept-and-reset (RST) servers, with the socket errors handled. */
const SERVER = `const [mode, port, host] = process.argv.slice(1);
require('net').createServer((s) => { s.on('error', () => {}); mode === 'reset' ? s.resetAndDestroy() : s.destroy(); })
  .listen(Number(port), host, () => console.log('ready'));`;

/** The backend bench/announce-health used for its TCP check before 5d61d14. */
const BENCH_BACKEND = `require('net').createServer((s) => s.end()).listen(Number(process.argv[1]), process.argv[2], () => console.log('ready'));`;

function ready(p: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    p.stdout!.once('data', () => resolve());
    p.once('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
}

/** A server process in a namespace: its stderr so far, and a promise of its pipes' close. */
type Server = ChildProcess & { err: () => string; closed: Promise<unknown> };

async function startIn(ns: Netns, script: string, args: string[]): Promise<Server> {
  const p = ns.spawn(process.execPath, ['-e', script, ...args]);
  const closed = new Promise((r) => p.once('close', r));
  let err = '';
  p.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  await ready(p);
  return Object.assign(p, { err: () => err, closed });
}

/** Kills `p` and waits until its pipes are closed (so they do not count as this process's fds). */
async function stop(p: Server): Promise<void> {
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await p.closed;
}

function serveHere(mode: Mode): Promise<net.Server> {
  const srv = net.createServer((s) => (s.on('error', () => {}), mode === 'reset' ? s.resetAndDestroy() : s.destroy()));
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

const openFds = () => readdirSync('/proc/self/fd').length;
const spec = checkSchema.parse({ type: 'tcp' }) as TcpSpec;
const PROBES = 100;
const at = (address: string, port: number): ProbeTarget => ({
  address,
  port,
  server: { address, port },
  timeoutMs: 2000,
});

describe.skipIf(!hasRoot('host: tcp checks of servers that close or reset right after accept'))(
  'tcp check of a server that closes or resets right after accept',
  () => {
    let veth: ReturnType<typeof vethNamespace>;
    const s = new Scratch();

    beforeAll(() => {
      veth = vethNamespace('tcprst');
    });
    afterAll(() => {
      veth?.ns.cleanup();
      s.cleanup();
    });

    /** Runs PROBES probes one after the other; returns how often each detail came back. */
    async function probeMany(address: string, port: number): Promise<Record<string, number>> {
      const tcp = createTcpChecker();
      const seen: Record<string, number> = {};
      const fds = openFds();
      try {
        for (let i = 0; i < PROBES; i++) {
          const r = await tcp.probe(at(address, port), spec, AbortSignal.timeout(2000));
          seen[r.detail] = (seen[r.detail] ?? 0) + 1;
        }
      } finally {
        tcp.close?.();
      }
      expect(openFds()).toBe(fds); // every probe's socket (and the epoll fd) closed on every path
      return seen;
    }

    it.each<Mode>(['close', 'reset'])('on loopback, a server that accepts and %ss at once is up', async (mode) => {
      const srv = await serveHere(mode);
      const port = (srv.address() as net.AddressInfo).port;
      try {
        expect(await probeMany('127.0.0.1', port)).toEqual({ [`connected to 127.0.0.1:${port}`]: PROBES });
      } finally {
        await new Promise((r) => srv.close(r));
      }
    });

    it.each<Mode>(['close', 'reset'])(
      'across a veth into a namespace, a server that accepts and %ss at once is up',
      async (mode) => {
        const port = mode === 'close' ? 7001 : 7002;
        const p = await startIn(veth.ns, SERVER, [mode, String(port), veth.nsAddr]);
        try {
          expect(await probeMany(veth.nsAddr, port)).toEqual({ [`connected to ${veth.nsAddr}:${port}`]: PROBES });
        } finally {
          await stop(p);
        }
      },
    );

    it('a refused port is still down (a reset during the handshake is no connection)', async () => {
      expect(await probeMany(veth.nsAddr, 7009)).toEqual({ 'connect ECONNREFUSED': PROBES });
    });

    it("the bench's backend `s => s.end()` dies of lvsd's RST close at the first probe, so later probes are refused", async () => {
      const b = await startIn(veth.ns, BENCH_BACKEND, ['7003', veth.nsAddr]);
      const exited = new Promise<number | null>((r) => b.once('exit', r));
      const tcp = createTcpChecker();
      try {
        const target = at(veth.nsAddr, 7003);
        expect(await tcp.probe(target, spec, AbortSignal.timeout(2000))).toEqual({
          ok: true,
          detail: `connected to ${veth.nsAddr}:7003`,
        });
        expect(await exited).toBe(1);
        expect(b.err()).toMatch(/Error: read ECONNRESET/);
        expect(await tcp.probe(target, spec, AbortSignal.timeout(2000))).toEqual({
          ok: false,
          detail: 'connect ECONNREFUSED',
        });
      } finally {
        tcp.close?.();
        await stop(b);
      }
    });

    it('lvsd in a namespace: both backends come up, the reset one goes down when killed and up again when restarted', async () => {
      requireBuild();
      const sock = s.path('lvsd.sock');
      const cfg = s.path('lvsd.toml');
      writeFileSync(
        cfg,
        `[global]
control_socket = "${sock}"
state_file = "${s.path('state.json')}"

[[virtual_server]]
name = "web"
address = "10.250.0.1"
port = 80
  [virtual_server.check]
  type = "tcp"
  interval = "200ms"
  timeout = "150ms"
  rise = 1
  fall = 1
  warmup = false
  [[virtual_server.real_server]]
  address = "127.0.0.1"
  port = 8081
  [[virtual_server.real_server]]
  address = "127.0.0.1"
  port = 8082
`,
      );
      const close = await startIn(veth.ns, SERVER, ['close', '8081', '127.0.0.1']);
      let reset = await startIn(veth.ns, SERVER, ['reset', '8082', '127.0.0.1']);
      const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory'], { netns: veth.ns.name });
      const health = (port: number): string | undefined => {
        const r = lvsctl(['-s', sock, 'status', '--json']);
        if (r.code !== 0) return undefined;
        const st = JSON.parse(r.stdout) as {
          virtualServers: Array<{ realServers: Array<{ rs: string; health: string }> }>;
        };
        return st.virtualServers[0]?.realServers.find((x) => x.rs === `127.0.0.1:${port}`)?.health;
      };
      const becomes = (port: number, want: string) =>
        waitFor(
          `127.0.0.1:${port} ${want} (lvsd stderr: ${d.stderr.slice(-300)})`,
          () => health(port) === want,
          20_000,
        );
      const downs = () => d.lines.filter((l) => l.msg === 'health transition' && l.to === 'down').length;
      try {
        await becomes(8081, 'up');
        await becomes(8082, 'up');
        // a dozen more probes of each: still up, no transition to down
        await new Promise((r) => setTimeout(r, 2500));
        expect([health(8081), health(8082), downs()]).toEqual(['up', 'up', 0]);
        await stop(reset);
        await becomes(8082, 'down');
        reset = await startIn(veth.ns, SERVER, ['reset', '8082', '127.0.0.1']);
        await becomes(8082, 'up');
        expect(health(8081)).toBe('up');
      } finally {
        d.proc.kill('SIGKILL');
        await stop(close);
        await stop(reset);
      }
    }, 60_000);
  },
);
