/**
 * IpvsClient and KernelDataplane over a stateful fake kernel (scripted netlink): family lookup,
 * the "not available" error, EPERM, batching 100 per sendto with per-op errors, dumps.
 */
import { describe, expect, it } from 'vitest';
import { IpvsClient } from '../../../src/ipvs/client.js';
import * as C from '../../../src/ipvs/constants.js';
import { IpvsUnavailableError } from '../../../src/ipvs/errors.js';
import { KernelDataplane } from '../../../src/dataplane/kernel.js';
import { NetlinkDecodeError, NetlinkError } from '../../../src/netlink/errors.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST } from '../../../src/netlink/message.js';
import type { Destination, Op, Service, ServiceId } from '../../../src/ipvs/types.js';
import { FAKE_FAMILY, fakeKernel } from './fake-kernel.js';

const svcId = (i: number): ServiceId => ({
  af: 'inet',
  protocol: 'tcp',
  address: `10.1.${i >> 8}.${i & 255}`,
  port: 80,
});
const svc = (i: number): Service => ({ id: svcId(i), scheduler: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff });
const dest = (j: number): Destination => ({
  af: 'inet',
  address: `10.2.0.${j}`,
  port: 8080,
  forwarding: 'nat',
  weight: j,
  upperThreshold: 0,
  lowerThreshold: 0,
});

describe('IpvsClient.open', () => {
  it('resolves the IPVS family id', async () => {
    const k = fakeKernel();
    const c = await IpvsClient.open({ conn: k.conn() });
    expect(c.familyId).toBe(FAKE_FAMILY);
    c.close();
    expect(k.transport.closed).toBe(true);
  });

  it('without the family: IpvsUnavailableError with the user-facing message, socket closed', async () => {
    const k = fakeKernel({ noIpvs: true });
    const err = await IpvsClient.open({ conn: k.conn() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpvsUnavailableError);
    expect((err as Error).message).toBe(
      'IPVS is not available in this kernel (generic netlink family "IPVS" not found): load the ip_vs module',
    );
    expect((err as IpvsUnavailableError).code).toBe('IPVS_UNAVAILABLE');
    expect(k.transport.closed).toBe(true);
  });
});

describe('IpvsClient reads and writes', () => {
  it('applies 250 ops in 3 datagrams, each op with its own result', async () => {
    const k = fakeKernel();
    const c = await IpvsClient.open({ conn: k.conn() });
    const ops: Op[] = [{ op: 'add-service', service: svc(1) }];
    for (let j = 1; j <= 248; j++) ops.push({ op: 'add-dest', service: svcId(1), dest: dest(j) });
    ops.push({ op: 'add-dest', service: svcId(1), dest: dest(7) }); // duplicate → EEXIST
    const before = k.transport.datagrams.length;
    const res = await c.apply(ops);
    expect(k.transport.datagrams.length - before).toBe(3);
    expect(res.filter((r) => r.ok)).toHaveLength(249);
    const last = res[249];
    expect(last.ok).toBe(false);
    if (!last.ok) {
      expect(last.error).toBeInstanceOf(NetlinkError);
      expect(last.error.code).toBe('EEXIST');
      expect(last.error.message).toContain('IPVS_CMD_NEW_DEST TCP 10.1.0.1:80 -> 10.2.0.7:8080');
    }
    expect(c.writes).toBe(250);
    const sent = k.transport.sent.filter((m) => m.type === FAKE_FAMILY);
    expect(sent.every((m) => m.flags === (NLM_F_REQUEST | NLM_F_ACK))).toBe(true);
    c.close();
  });

  it('an op that cannot be encoded fails alone and is never sent', async () => {
    const k = fakeKernel();
    const c = await IpvsClient.open({ conn: k.conn() });
    const bad: Op = {
      op: 'add-service',
      service: { ...svc(2), id: { af: 'inet', protocol: 'tcp', address: 'nonsense', port: 80 } },
    };
    const res = await c.apply([{ op: 'add-service', service: svc(1) }, bad, { op: 'add-service', service: svc(3) }]);
    expect(res.map((r) => r.ok)).toEqual([true, false, true]);
    expect(!res[1].ok && res[1].error.message).toMatch(/invalid IP address "nonsense"/);
    expect([...k.services.keys()]).toEqual(['TCP 10.1.0.1:80', 'TCP 10.1.0.3:80']);
    c.close();
  });

  it('readTable: one service dump, then one dest dump per service', async () => {
    const k = fakeKernel();
    const c = await IpvsClient.open({ conn: k.conn() });
    await c.apply([
      { op: 'add-service', service: svc(1) },
      { op: 'add-service', service: { ...svc(2), flags: C.IP_VS_SVC_F_PERSISTENT, timeout: 300, netmask: 0xffffff00 } },
      { op: 'add-dest', service: svcId(2), dest: dest(5) },
    ]);
    const t = await c.readTable();
    expect(t.services.map((s) => [s.id.address, s.destinations.length, s.netmask])).toEqual([
      ['10.1.0.1', 0, 0xffffffff],
      ['10.1.0.2', 1, 0xffffff00],
    ]);
    expect(t.services[1].destinations[0]).toMatchObject({ address: '10.2.0.5', weight: 5, forwarding: 'nat' });
    const dumps = k.transport.sent.filter((m) => (m.flags & NLM_F_DUMP) === NLM_F_DUMP);
    expect(dumps.map((m) => m.payload[0])).toEqual([C.IPVS_CMD_GET_SERVICE, C.IPVS_CMD_GET_DEST, C.IPVS_CMD_GET_DEST]);
    c.close();
  });

  it('readTable({ stats: false }) leaves the destinations without traffic stats, everything else equal', async () => {
    const k = fakeKernel();
    const c = await IpvsClient.open({ conn: k.conn() });
    await c.apply([
      { op: 'add-service', service: svc(1) },
      { op: 'add-dest', service: svcId(1), dest: dest(5) },
    ]);
    const full = (await c.readTable()).services[0].destinations[0];
    const lean = (await c.readTable({ stats: false })).services[0].destinations[0];
    expect(full.stats?.conns).toBe(7n);
    expect(lean.stats).toBeUndefined();
    expect(lean).toEqual({ ...full, stats: undefined });
    c.close();
  });

  it('info, timeouts, flush and zero', async () => {
    const k = fakeKernel();
    const c = await IpvsClient.open({ conn: k.conn() });
    expect(await c.info()).toEqual({ version: '1.2.1', versionCode: 0x010201, connTabSize: 4096 });
    expect(await c.getTimeouts()).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
    await c.setTimeouts({ tcp: 1, tcpFin: 2, udp: 3 });
    await c.apply([{ op: 'add-service', service: svc(1) }]);
    await c.zero(svcId(1));
    await c.flush();
    expect(k.services.size).toBe(0);
    await expect(c.zero(svcId(9))).resolves.toBeUndefined();
    c.close();
  });

  it('a malformed dump reply rejects with NetlinkDecodeError (code EBADMSG), nothing else', async () => {
    const k = fakeKernel({ garbageDump: true });
    const c = await IpvsClient.open({ conn: k.conn() });
    const err = await c.readTable().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkDecodeError);
    expect((err as NetlinkDecodeError).code).toBe('EBADMSG');
    c.close();
  });

  it('EPERM names CAP_NET_ADMIN', async () => {
    const k = fakeKernel({ eperm: true });
    const c = await IpvsClient.open({ conn: k.conn() });
    const err = await c.readTable().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect((err as NetlinkError).code).toBe('EPERM');
    expect((err as Error).message).toContain('CAP_NET_ADMIN');
    c.close();
  });
});

describe('KernelDataplane', () => {
  it('implements Dataplane over the client and counts writes', async () => {
    const k = fakeKernel();
    const dp = KernelDataplane.fromClient(await IpvsClient.open({ conn: k.conn() }));
    const res = await dp.apply([
      { op: 'add-service', service: svc(1) },
      { op: 'edit-dest', service: svcId(1), dest: dest(1) },
    ]);
    expect(res[0].ok).toBe(true);
    expect(!res[1].ok && res[1].error.code).toBe('ENOENT');
    expect(dp.writes).toBe(2);
    expect(dp.writeDatagrams).toBe(1);
    expect((await dp.read()).services).toHaveLength(1);
    await dp.close();
    await expect(dp.read()).rejects.toMatchObject({ code: 'IPVS_CLOSED' });
  });
});
