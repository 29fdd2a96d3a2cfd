/** MemoryDataplane: stateful, fails like ip_vs_ctl.c, counts writes, simulates conns, injects failures. */
import { describe, expect, it } from 'vitest';
import { MemoryDataplane, describeOp } from '../../../src/dataplane/memory.js';
import type { Destination, Op, Service, ServiceId } from '../../../src/ipvs/types.js';
import { NetlinkError } from '../../../src/netlink/errors.js';

const id: ServiceId = { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 };
const svc: Service = { id, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff };
const dest = (address: string, weight = 1, extra: Partial<Destination> = {}): Destination => ({
  af: 'inet',
  address,
  port: 8080,
  forwarding: 'nat',
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
  ...extra,
});

async function one(dp: MemoryDataplane, op: Op): Promise<string | undefined> {
  const [r] = await dp.apply([op]);
  if (r!.ok) return undefined;
  expect(r!.error).toBeInstanceOf(NetlinkError);
  return r!.error.code;
}

describe('MemoryDataplane', () => {
  it('reads a large table in pieces, one event-loop turn apart, equal to the synchronous copy', async () => {
    const services = Array.from({ length: 2500 }, (_, i) => ({
      ...svc,
      id: { ...id, port: 1 + i },
      destinations: [dest('10.0.1.1', 3)],
    }));
    const dp = new MemoryDataplane({ services }, { stats: true });
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    tick();
    const start = turns;
    const table = await dp.read();
    ticking = false;
    expect(turns - start).toBeGreaterThanOrEqual(2); // 2,500 services: 2 pauses
    expect(table).toEqual(dp.snapshot());
    expect(table.services).toHaveLength(2500);
  });

  it('adds, edits and deletes services and dests, and reads them back', async () => {
    const dp = new MemoryDataplane();
    expect(await one(dp, { op: 'add-service', service: svc })).toBeUndefined();
    expect(await one(dp, { op: 'add-dest', service: id, dest: dest('10.0.1.1', 5) })).toBeUndefined();
    expect(await one(dp, { op: 'edit-dest', service: id, dest: dest('10.0.1.1', 7) })).toBeUndefined();
    expect(await one(dp, { op: 'edit-service', service: { ...svc, scheduler: 'rr' } })).toBeUndefined();
    const t = await dp.read();
    expect(t.services).toHaveLength(1);
    expect(t.services[0]!.scheduler).toBe('rr');
    expect(t.services[0]!.destinations.map((d) => [d.address, d.weight, d.conns])).toEqual([
      ['10.0.1.1', 7, { active: 0, inactive: 0, persistent: 0 }],
    ]);
    expect(await one(dp, { op: 'del-dest', service: id, dest: dest('10.0.1.1') })).toBeUndefined();
    expect(await one(dp, { op: 'del-service', id })).toBeUndefined();
    expect((await dp.read()).services).toEqual([]);
    expect(dp.writes).toBe(6);
    expect(dp.reads).toBe(2);
  });

  it('fails like the kernel', async () => {
    const dp = new MemoryDataplane();
    expect(await one(dp, { op: 'add-dest', service: id, dest: dest('10.0.1.1') })).toBe('ESRCH');
    expect(await one(dp, { op: 'edit-service', service: svc })).toBe('ESRCH');
    expect(await one(dp, { op: 'del-service', id })).toBe('ESRCH');
    expect(await one(dp, { op: 'add-service', service: { ...svc, scheduler: 'wrrr' } })).toBe('ENOENT');
    expect(await one(dp, { op: 'add-service', service: { ...svc, pe: 'http' } })).toBe('ENOENT');
    expect(
      await one(dp, {
        op: 'add-service',
        service: { ...svc, id: { af: 'inet6', protocol: 'tcp', address: '::1', port: 80 }, netmask: 129 },
      }),
    ).toBe('EINVAL');
    await one(dp, { op: 'add-service', service: svc });
    expect(await one(dp, { op: 'add-service', service: svc })).toBe('EEXIST');
    expect(await one(dp, { op: 'del-dest', service: id, dest: dest('10.0.1.9') })).toBe('ENOENT');
    expect(await one(dp, { op: 'edit-dest', service: id, dest: dest('10.0.1.9') })).toBe('ENOENT');
    expect(await one(dp, { op: 'add-dest', service: id, dest: dest('10.0.1.1', -1) })).toBe('ERANGE');
    expect(await one(dp, { op: 'add-dest', service: id, dest: dest('10.0.1.1', 2 ** 31) })).toBe('ERANGE');
    expect(
      await one(dp, {
        op: 'add-dest',
        service: id,
        dest: dest('10.0.1.1', 1, { upperThreshold: 1, lowerThreshold: 2 }),
      }),
    ).toBe('ERANGE');
    expect(await one(dp, { op: 'add-dest', service: id, dest: dest('::2', 1, { af: 'inet6' }) })).toBe('EINVAL');
    expect(
      await one(dp, { op: 'add-dest', service: id, dest: dest('10.0.1.1', 1, { forwarding: 'tun', tunType: 'gue' }) }),
    ).toBe('EINVAL');
    expect(await one(dp, { op: 'add-dest', service: id, dest: dest('10.0.1.1') })).toBeUndefined();
    expect(await one(dp, { op: 'add-dest', service: id, dest: dest('10.0.1.1') })).toBe('EEXIST');
    expect(await one(dp, { op: 'edit-dest', service: id, dest: dest('10.0.1.1', -5) })).toBe('ERANGE');
    expect(await one(dp, { op: 'zero', service: { ...id, port: 81 } })).toBe('ESRCH');
  });

  it('accepts a DR dest whose port differs from the service port, like the kernel', async () => {
    const dp = new MemoryDataplane();
    await one(dp, { op: 'add-service', service: svc });
    expect(
      await one(dp, { op: 'add-dest', service: id, dest: dest('10.0.1.1', 1, { forwarding: 'dr' }) }),
    ).toBeUndefined();
  });

  it('accepts a mixed-family dest with tun forwarding', async () => {
    const dp = new MemoryDataplane();
    await one(dp, { op: 'add-service', service: svc });
    expect(
      await one(dp, {
        op: 'add-dest',
        service: id,
        dest: dest('2001:db8::2', 1, { af: 'inet6', forwarding: 'tun', tunType: 'ipip' }),
      }),
    ).toBeUndefined();
  });

  it('names failed ops like the kernel dataplane', async () => {
    const dp = new MemoryDataplane();
    const [r] = await dp.apply([{ op: 'del-dest', service: id, dest: dest('10.0.1.1') }]);
    expect(!r!.ok && r!.error.message).toMatch(/^IPVS_CMD_DEL_DEST TCP 10\.0\.0\.1:80 10\.0\.1\.1:8080: ESRCH/);
    expect(describeOp({ op: 'flush' })).toBe('IPVS_CMD_FLUSH');
  });

  it('keeps going after a failed op, one result per op', async () => {
    const dp = new MemoryDataplane();
    const rs = await dp.apply([
      { op: 'add-dest', service: id, dest: dest('10.0.1.1') },
      { op: 'add-service', service: svc },
      { op: 'add-dest', service: id, dest: dest('10.0.1.1') },
    ]);
    expect(rs.map((r) => r.ok)).toEqual([false, true, true]);
  });

  it('simulates connections per dest and forgets them with the dest', async () => {
    const dp = new MemoryDataplane();
    await dp.apply([
      { op: 'add-service', service: svc },
      { op: 'add-dest', service: id, dest: dest('10.0.1.1') },
    ]);
    dp.setConns(id, { address: '10.0.1.1', port: 8080 }, { active: 3, inactive: 2 });
    expect(dp.snapshot().services[0]!.destinations[0]!.conns).toEqual({ active: 3, inactive: 2, persistent: 0 });
    await dp.apply([
      { op: 'del-dest', service: id, dest: dest('10.0.1.1') },
      { op: 'add-dest', service: id, dest: dest('10.0.1.1') },
    ]);
    expect(dp.snapshot().services[0]!.destinations[0]!.conns).toEqual({ active: 0, inactive: 0, persistent: 0 });
  });

  it('injects failures until the injector is removed', async () => {
    const dp = new MemoryDataplane();
    const stop = dp.inject((op) => (op.op === 'add-service' ? 'ENOMEM' : undefined));
    expect(await one(dp, { op: 'add-service', service: svc })).toBe('ENOMEM');
    stop();
    expect(await one(dp, { op: 'add-service', service: svc })).toBeUndefined();
  });

  it('starts from an initial table without counting writes, and flushes', async () => {
    const dp = new MemoryDataplane({ services: [{ ...svc, destinations: [dest('10.0.1.1')] }] });
    expect(dp.writes).toBe(0);
    expect(dp.snapshot().services[0]!.destinations).toHaveLength(1);
    await dp.apply([{ op: 'flush' }]);
    expect(dp.snapshot().services).toEqual([]);
  });

  it('returns copies: mutating a read table does not change the dataplane', async () => {
    const dp = new MemoryDataplane();
    await dp.apply([{ op: 'add-service', service: svc }]);
    const t = await dp.read();
    t.services[0]!.scheduler = 'xx';
    expect(dp.snapshot().services[0]!.scheduler).toBe('wlc');
  });

  it('rejects calls after close', async () => {
    const dp = new MemoryDataplane();
    await dp.close();
    await expect(dp.read()).rejects.toThrow(/closed/);
    await expect(dp.apply([])).rejects.toThrow(/closed/);
  });
});
