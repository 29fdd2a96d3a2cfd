/**
 * The sharded health engine (2 worker threads, the built dist/src/health/shard-worker.js) probing real
 * servers in a namespace — tcp, http, icmp and script checks — through one scenario: verdicts going
 * up and down, status(), checkNow, a reload that keeps unchanged probes running, and a stop that
 * leaves no thread, socket or script behind. Contrast: the same scenario through the in-process
 * HealthEngine must give the same verdicts.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthEngine, type HealthEvent, type HealthTarget } from '../../../src/health/engine.js';
import { checkSchema } from '../../../src/health/schema.js';
import { ShardedHealth, threadShard } from '../../../src/health/shards.js';
import type { Netns } from '../../support/netns.js';
import { hasRoot } from '../../support/root.js';
import { killChild, tempDir, vethNamespace, waitTcp } from './servers.js';

const ROOT = join(import.meta.dirname, '../../..');
const WORKER = join(ROOT, 'dist/src/health/shard-worker.js');

type Probes = Pick<
  HealthEngine,
  'setTargets' | 'prepare' | 'whenAttached' | 'onTransition' | 'status' | 'stop' | 'checkNow' | 'stats'
>;

const threads = () => readdirSync('/proc/self/task').length;
const socketFds = () =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
/** Children of this process named `comm` (scripts a probe started). */
const children = (comm: string) =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[1]) === process.pid && stat.includes(`(${comm})`) && fields[0] !== 'Z';
      } catch {
        return false;
      }
    }).length;

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!hasRoot('host: sharded health engine against real servers'))(
  'sharded health engine (2 worker threads) against real servers in a namespace',
  () => {
    let veth: ReturnType<typeof vethNamespace>;
    const tmp = tempDir('shards');
    const flag = join(tmp.dir, 'healthy');
    let server: { stop(): Promise<void> } | undefined;

    /** An HTTP server on nsAddr:8080 inside the namespace (answers 200). */
    async function startServer(ns: Netns, addr: string): Promise<void> {
      const proc = ns.spawn(
        process.execPath,
        [
          '-e',
          `require('node:http').createServer((q, s) => s.end('ok')).listen(8080, '${addr}', () => console.log('up'))`,
        ],
        { detached: true },
      );
      await waitTcp(addr, 8080);
      server = { stop: () => killChild(proc) };
    }

    beforeAll(async () => {
      if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`npm run build\` before the host tests`);
      veth = vethNamespace('shard');
      await readFile('/proc/self/stat'); // libuv's thread pool starts now, not inside a thread count
    });

    afterAll(async () => {
      await server?.stop();
      veth?.ns.cleanup();
      tmp.cleanup();
    });

    /** The scenario; returns every verdict change per id and what it saw along the way. */
    async function scenario(make: () => Probes) {
      const a = veth.nsAddr;
      const fast = { interval: '200ms', timeout: '150ms', rise: 1, fall: 1, initial: 'down', warmup: false };
      const tcp = checkSchema.parse({ type: 'tcp', ...fast });
      const http = checkSchema.parse({ type: 'http', path: '/', ...fast });
      const icmp = checkSchema.parse({ type: 'icmp', ...fast });
      const script = checkSchema.parse({ type: 'script', command: ['/bin/test', '-e', flag], ...fast });
      const slow = checkSchema.parse({ type: 'script', command: ['sleep', '30'], interval: '5s', timeout: '5s' });
      const t = (id: string, port: number, spec: HealthTarget['spec']): HealthTarget => ({
        id,
        address: a,
        port,
        spec,
      });
      const targets = [
        t('web|tcp', 8080, tcp),
        t('web|tcp-twin', 8080, tcp), // same probe as web|tcp
        t('web|http', 8080, http),
        t('web|closed', 8081, tcp),
        t('web|icmp', 0, icmp),
        t('web|script', 0, script),
        t('web|slow', 0, slow),
      ];
      writeFileSync(flag, '');
      await startServer(veth.ns, a);
      const baseThreads = threads();
      const baseSockets = socketFds();
      const h = make();
      const events: HealthEvent[] = [];
      h.onTransition((e) => events.push(e));
      const state = (id: string) => h.status(id)?.state;
      await h.prepare(targets);
      h.setTargets(targets);
      await h.whenAttached();
      for (const id of ['web|tcp', 'web|tcp-twin', 'web|http', 'web|icmp', 'web|script'])
        await until(`${id} up`, () => state(id) === 'up');
      await until('web|closed probed', () => (h.status('web|closed')?.probes ?? 0) >= 2);
      expect(state('web|closed')).toBe('down');
      expect(h.status('web|closed')?.reason).toMatch(/ECONNREFUSED/);
      expect(h.status('web|tcp')?.lastResults.at(-1)?.detail).toBe(`connected to ${a}:8080`);
      expect(h.stats()).toMatchObject({ targets: 7, probes: 6 });

      const rec = await h.checkNow('web|http');
      expect(rec?.ok).toBe(true);
      expect(h.status('web|http')?.lastResults.at(-1)).toEqual({
        ok: rec!.ok,
        at: rec!.at,
        ms: rec!.ms,
        detail: rec!.detail,
      });
      expect(await h.checkNow('nope')).toBeUndefined();

      await server!.stop();
      rmSync(flag);
      for (const id of ['web|tcp', 'web|tcp-twin', 'web|http', 'web|script'])
        await until(`${id} down`, () => state(id) === 'down');
      expect(state('web|icmp')).toBe('up');

      // reload: web|closed goes, web|closed2 comes, the rest is unchanged and keeps its probe
      const before = h.status('web|icmp')!;
      h.setTargets([...targets.filter((x) => x.id !== 'web|closed'), t('web|closed2', 8082, tcp)]);
      expect(h.status('web|closed')).toBeUndefined();
      expect(h.status('web|icmp')?.probes).toBeGreaterThanOrEqual(before.probes);
      expect(h.status('web|icmp')?.since).toBe(before.since);
      await until('web|closed2 probed', () => (h.status('web|closed2')?.probes ?? 0) >= 1);
      await until('web|icmp probed again', () => h.status('web|icmp')!.probes > before.probes + 1);
      expect(h.status('web|icmp')?.since).toBe(before.since);
      await until('a sleep 30 script running', () => children('sleep') >= 1, 10_000);

      await h.stop();
      await until('threads back to before', () => threads() <= baseThreads, 5000);
      expect(socketFds()).toBeLessThanOrEqual(baseSockets);
      // killed at stop (SIGKILL to its group); the kernel may take a moment to end it under load
      await until('no sleep script left', () => children('sleep') === 0, 3000);
      const verdicts = new Map<string, string[]>();
      for (const e of events) verdicts.set(e.id, [...(verdicts.get(e.id) ?? []), `${e.from}->${e.to}`]);
      return verdicts;
    }

    const expected = new Map([
      ['web|tcp', ['down->up', 'up->down']],
      ['web|tcp-twin', ['down->up', 'up->down']],
      ['web|http', ['down->up', 'up->down']],
      ['web|icmp', ['down->up']],
      ['web|script', ['down->up', 'up->down']],
    ]);

    it('probes in two worker threads: verdicts, status, checkNow, reload, clean stop', async () => {
      const verdicts = await scenario(
        () => new ShardedHealth({ shards: 2, spawn: threadShard(new URL(`file://${WORKER}`)), batchMs: 100 }),
      );
      expect(verdicts).toEqual(expected);
    });

    it('contrast: the in-process engine gives the same verdicts', async () => {
      const verdicts = await scenario(() => new HealthEngine());
      expect(verdicts).toEqual(expected);
    });
  },
);
