/** NativeSocket, interfaces and withNetns against the real kernel (root; throwaway namespaces). */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_UNIX,
  IP_PKTINFO,
  MSG_TRUNC,
  NETLINK_GENERIC,
  SOCK_DGRAM,
  SOCK_RAW,
  SOL_IP,
  SOL_SOCKET,
  SO_RCVBUF,
} from '../../../native/constants.js';
import { ifIndexToName, ifNameToIndex } from '../../../native/interfaces.js';
import { withNetns } from '../../../native/netns.js';
import { parseSockaddr, sockaddrIn, sockaddrIn6, sockaddrNl } from '../../../native/sockaddr.js';
import { NativeSocket, SysError } from '../../../native/socket.js';
import { Netns } from '../../support/netns.js';
import { hasRoot } from '../../support/root.js';

function udp(addr = '127.0.0.1'): { s: NativeSocket; port: number } {
  const s = NativeSocket.open(addr.includes(':') ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
  s.bind(addr.includes(':') ? sockaddrIn6(addr, 0) : sockaddrIn(addr, 0));
  return { s, port: parseSockaddr(s.getsockname()).port! };
}

function thrown(f: () => unknown): SysError {
  try {
    f();
  } catch (e) {
    if (e instanceof SysError) return e;
    throw e;
  }
  throw new Error('expected a SysError');
}

describe.skipIf(!hasRoot('host: native sockets'))('NativeSocket', () => {
  it('sends and receives a datagram with its source address, over IPv4 and IPv6', () => {
    for (const addr of ['127.0.0.1', '::1']) {
      const a = udp(addr);
      const b = udp(addr);
      try {
        expect(b.s.recvmsg()).toBeNull();
        const to = addr === '::1' ? sockaddrIn6(addr, b.port) : sockaddrIn(addr, b.port);
        expect(a.s.sendto(Buffer.from('ping'), to)).toBe(4);
        const r = b.s.recvmsg()!;
        expect(r.data.toString()).toBe('ping');
        expect(r.truncated).toBe(false);
        expect(parseSockaddr(r.from)).toMatchObject({ address: addr, port: a.port });
      } finally {
        a.s.close();
        b.s.close();
      }
    }
  });

  it('reports truncation instead of losing it silently', () => {
    const a = udp();
    const b = udp();
    try {
      a.s.sendto(Buffer.alloc(100, 7), sockaddrIn('127.0.0.1', b.port));
      const r = b.s.recvmsg(10)!;
      expect([r.data.length, r.truncated, (r.flags & MSG_TRUNC) !== 0]).toEqual([10, true, true]);
    } finally {
      a.s.close();
      b.s.close();
    }
  });

  it('recvmmsg takes several datagrams in one call, flags truncation per datagram, null when empty', () => {
    const a = udp();
    const b = udp();
    try {
      expect(b.s.recvmmsg()).toBeNull();
      for (const m of ['one', 'two', 'a-much-longer-third-datagram'])
        a.s.sendto(Buffer.from(m), sockaddrIn('127.0.0.1', b.port));
      const rs = b.s.recvmmsg(8, 2)!;
      expect(rs.map((r) => [r.data.toString(), r.truncated, parseSockaddr(r.from).port])).toEqual([
        ['one', false, a.port],
        ['two', false, a.port],
      ]);
      const [last] = b.s.recvmmsg(8, 2)!;
      expect([last.data.toString(), last.truncated]).toEqual(['a-much-l', true]);
      expect(b.s.recvmmsg(8, 2)).toBeNull();
    } finally {
      a.s.close();
      b.s.close();
    }
  });

  it('drain hands every queued datagram to the callback as short-lived views, several per call', () => {
    const a = udp();
    const b = udp();
    try {
      for (let i = 0; i < 5; i++) a.s.sendto(Buffer.from(`m${i}`), sockaddrIn('127.0.0.1', b.port));
      const got: Array<[string, boolean, number | undefined]> = [];
      const n = b.s.drain(
        (d, truncated, from) => got.push([d.toString(), truncated, parseSockaddr(Buffer.from(from)).port]),
        2048,
        2,
      );
      expect(n).toBe(5);
      expect(got).toEqual([0, 1, 2, 3, 4].map((i) => [`m${i}`, false, a.port]));
      expect(b.s.drain(() => got.push(['unexpected', false, 0]))).toBe(0);
    } finally {
      a.s.close();
      b.s.close();
    }
  });

  it('returns ancillary data (IP_PKTINFO)', () => {
    const a = udp();
    const b = udp();
    try {
      b.s.setsockopt(SOL_IP, IP_PKTINFO, 1);
      a.s.sendto(Buffer.from('x'), sockaddrIn('127.0.0.1', b.port));
      const r = b.s.recvmsg(64, 64)!;
      // struct cmsghdr: len u64, level i32, type i32, then in_pktinfo { ifindex, spec_dst, addr }
      expect([r.control.readInt32LE(8), r.control.readInt32LE(12), r.control.readInt32LE(16)]).toEqual([
        SOL_IP,
        IP_PKTINFO,
        1,
      ]);
    } finally {
      a.s.close();
      b.s.close();
    }
  });

  it('setsockopt/getsockoptInt round-trip (the kernel doubles SO_RCVBUF)', () => {
    const s = NativeSocket.open(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
    try {
      s.setsockopt(SOL_SOCKET, SO_RCVBUF, 300_000);
      expect(s.getsockoptInt(SOL_SOCKET, SO_RCVBUF)).toBe(600_000);
      s.bind(sockaddrNl());
      expect(parseSockaddr(s.getsockname())).toMatchObject({ family: AF_NETLINK, pid: expect.any(Number) });
    } finally {
      s.close();
    }
  });

  it('errors are SysErrors with errno names, syscall and capability hints', () => {
    const a = udp();
    const b = NativeSocket.open(AF_INET, SOCK_DGRAM, 0);
    try {
      expect(thrown(() => b.bind(sockaddrIn('127.0.0.1', a.port)))).toMatchObject({
        code: 'EADDRINUSE',
        syscall: 'bind',
        errno: 98,
      });
      expect(thrown(() => b.bind(sockaddrIn('192.0.2.77', 0))).code).toBe('EADDRNOTAVAIL');
      expect(thrown(() => NativeSocket.open(12345, SOCK_DGRAM, 0)).code).toBe('EAFNOSUPPORT');
      expect(thrown(() => b.setsockopt(SOL_SOCKET, 9999, 1)).message).toMatch(
        /^setsockopt \(level 1, option 9999\): ENOPROTOOPT/,
      );
      expect(new SysError('socket', 1, { cap: 'CAP_NET_RAW' }).message).toMatch(/EPERM.*needs CAP_NET_RAW/);
    } finally {
      a.s.close();
      b.close();
    }
  });

  it('close is idempotent and later calls give EBADF', () => {
    const { s } = udp();
    s.close();
    s.close();
    expect(s.fd).toBe(-1);
    expect(thrown(() => s.recvmsg()).code).toBe('EBADF');
    expect(thrown(() => s.sendto(Buffer.from('x'), sockaddrIn('127.0.0.1', 9))).code).toBe('EBADF');
  });

  it('sendto on a full queue throws EAGAIN instead of blocking; netlink to no one is ECONNREFUSED', () => {
    const name = Buffer.concat([Buffer.from([AF_UNIX, 0, 0]), Buffer.from(`lvsd-test-${process.pid}-${Date.now()}`)]);
    const rx = NativeSocket.open(AF_UNIX, SOCK_DGRAM, 0);
    const tx = NativeSocket.open(AF_UNIX, SOCK_DGRAM, 0);
    const nl = NativeSocket.open(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
    try {
      rx.bind(name);
      let sent = 0;
      const err = thrown(() => {
        for (; sent < 10_000; sent++) tx.sendto(Buffer.alloc(64), name);
      });
      expect(err).toMatchObject({ code: 'EAGAIN', syscall: 'sendto' });
      expect(sent).toBeGreaterThan(0);
      expect(rx.recvmsg()!.data.length).toBe(64);
      expect(thrown(() => nl.sendto(Buffer.alloc(16), sockaddrNl(0x7ffffff0))).code).toBe('ECONNREFUSED');
    } finally {
      rx.close();
      tx.close();
      nl.close();
    }
  });

  it('onReadable fires on the main thread and a ref()ed socket keeps receiving', async () => {
    const { s, port } = udp();
    const sender = createSocket('udp4');
    try {
      s.ref();
      const got: string[] = [];
      const done = new Promise<void>((resolve) =>
        s.onReadable(() => {
          for (let r = s.recvfrom(); r; r = s.recvfrom()) got.push(r.data.toString());
          if (got.length === 3) resolve();
        }),
      );
      for (const m of ['a', 'b', 'c']) sender.send(m, port, '127.0.0.1');
      await done;
      expect(got).toEqual(['a', 'b', 'c']);
    } finally {
      sender.close();
      s.close();
    }
  });
});

describe.skipIf(!hasRoot('host: native interfaces and netns'))('interfaces and withNetns', () => {
  let ns: Netns;
  beforeAll(() => {
    ns = new Netns('nat');
    ns.ip('link', 'add', 'dummy7', 'type', 'veth', 'peer', 'name', 'dummy7p');
  });
  afterAll(() => ns?.cleanup());

  it('looks interfaces up inside a namespace, and only there', () => {
    const want = Number(/^(\d+):/.exec(ns.ip('-o', 'link', 'show', 'dummy7'))![1]);
    const [idx, name] = withNetns(ns.name, () => [ifNameToIndex('dummy7'), ifIndexToName(want)]);
    expect([idx, name]).toEqual([want, 'dummy7']);
    expect(thrown(() => ifNameToIndex('dummy7'))).toMatchObject({ code: 'ENODEV' });
    expect(thrown(() => ifNameToIndex('dummy7')).message).toContain('"dummy7"');
  });

  it('a socket opened inside stays in the namespace', () => {
    const s = withNetns(ns.name, () => udp('127.0.0.1'));
    try {
      const out = ns.exec('ss', ['-Hunl']);
      expect(out).toContain(`127.0.0.1:${s.port}`);
    } finally {
      s.s.close();
    }
  });

  it('returns to the original namespace even when fn throws, and names a missing namespace', () => {
    expect(() =>
      withNetns(ns.name, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(ifIndexToName(1)).toBe('lo');
    expect(() => ifNameToIndex('dummy7')).toThrow(SysError);
    expect(thrown(() => withNetns('lvt-does-not-exist', () => 1))).toMatchObject({ code: 'ENOENT', syscall: 'open' });
  });
});
