import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthEngine } from '../../../src/health/engine.js';
import { checkSchema } from '../../../src/health/schema.js';
import { hasRoot } from '../../support/root.js';
import { checkRunner } from './check.js';
import { vethNamespace } from './servers.js';

describe.skipIf(!hasRoot('host: icmp checks over the shared native socket'))('icmp checks', () => {
  const runner = checkRunner();
  let veth: ReturnType<typeof vethNamespace> | undefined;

  beforeAll(() => {
    veth = vethNamespace('hicmp');
    veth.ns.ip('-6', 'addr', 'add', 'fd00:213::2/64', 'dev', 'eth0', 'nodad');
  });
  afterAll(() => {
    runner.close();
    veth?.ns.cleanup();
  });

  it('echo reply from loopback, IPv4 and IPv6', async () => {
    expect(await runner.once({ type: 'icmp' }, '127.0.0.1', 0)).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^echo reply from 127\.0\.0\.1 in [\d.]+ ms$/),
    });
    expect(await runner.once({ type: 'icmp', size: 0 }, '::1', 0)).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^echo reply from ::1 in/),
    });
  });

  it('echo reply from a namespace, then no reply once its link is down', async () => {
    expect((await runner.once({ type: 'icmp', timeout: '1s', interval: '1s' }, veth!.nsAddr, 0)).ok).toBe(true);
    veth!.ns.ip('link', 'set', 'eth0', 'down');
    try {
      const r = await runner.once({ type: 'icmp', timeout: '300ms', interval: '1s' }, veth!.nsAddr, 0);
      expect(r.ok).toBe(false);
      expect(r.detail).toMatch(
        new RegExp(
          `^(no echo reply from ${veth!.nsAddr.replace(/\./g, '\\.')} within 300 ms|ping ${veth!.nsAddr}: E[A-Z]+)$`,
        ),
      );
    } finally {
      veth!.ns.ip('link', 'set', 'eth0', 'up');
    }
  });

  it('many concurrent probes share one socket and each gets its own reply', async () => {
    const addrs = Array.from({ length: 50 }, (_, i) => `127.9.${i}.1`);
    const rs = await Promise.all(addrs.map((a) => runner.once({ type: 'icmp' }, a, 0)));
    expect(rs.map((r) => r.detail.split(' in ')[0])).toEqual(addrs.map((a) => `echo reply from ${a}`));
  });

  it('the engine drives icmp probes to up and then down when the link drops', async () => {
    // the previous test toggled the link: wait until the namespace answers again
    for (
      let i = 0;
      i < 50 && !(await runner.once({ type: 'icmp', timeout: '100ms', interval: '1s' }, veth!.nsAddr, 0)).ok;
      i++
    );
    const engine = new HealthEngine();
    const events: string[] = [];
    engine.onTransition((e) => events.push(`${e.to}: ${e.reason}`));
    try {
      const spec = checkSchema.parse({
        type: 'icmp',
        interval: '200ms',
        timeout: '150ms',
        rise: 1,
        fall: 2,
        initial: 'down',
        warmup: false,
      });
      engine.setTargets([{ id: 'ns', address: veth!.nsAddr, port: 0, spec }]);
      const until = async (n: number) => {
        for (let i = 0; i < 100 && events.length < n; i++) await new Promise((r) => setTimeout(r, 50));
      };
      await until(1);
      veth!.ns.ip('link', 'set', 'eth0', 'down');
      await until(2);
      expect(events.length, JSON.stringify([events, engine.status('ns')])).toBe(2);
      expect(events[0]).toMatch(/^up: echo reply from/);
      expect(events[1]).toMatch(/^down: (no echo reply from .* within 150 ms|ping .*: E[A-Z]+) \(2 in a row\)$/);
    } finally {
      veth!.ns.ip('link', 'set', 'eth0', 'up');
      await engine.stop();
    }
  });
});
