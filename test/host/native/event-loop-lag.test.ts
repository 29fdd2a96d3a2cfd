/**
 * The readiness mechanism must never block the event loop: sockets wait for 2 s with nothing to read
 * while a 10 ms interval measures how late it fires; then data sent after the wait must arrive (so
 * the wait was real, not a socket that gave up).
 */
import { createSocket } from 'node:dgram';
import { getPriority, setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { AF_INET, AF_NETLINK, NETLINK_ROUTE, SOCK_DGRAM, SOCK_RAW } from '../../../native/constants.js';
import { activeWatches } from '../../../native/poller.js';
import { parseSockaddr, sockaddrIn, sockaddrNl } from '../../../native/sockaddr.js';
import { NativeSocket } from '../../../native/socket.js';
import { hasRoot } from '../../support/root.js';

/** Runs `ms` of 10 ms ticks and returns the worst lateness seen by timestamps and by the histogram (ms). */
async function measureLag(ms: number): Promise<{ maxTickLate: number; histMax: number; ticks: number }> {
  // What is measured is this event loop, not the CPU scheduler: other suites and UML guests load this
  // 2-core box, so the measuring process runs at high priority (root) for the duration.
  const prio = getPriority();
  setPriority(-15);
  try {
    return await measure(ms);
  } finally {
    setPriority(prio);
  }
}

async function measure(ms: number): Promise<{ maxTickLate: number; histMax: number; ticks: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  let last = performance.now();
  let maxTickLate = 0;
  let ticks = 0;
  await new Promise<void>((resolve) => {
    const iv = setInterval(() => {
      const now = performance.now();
      maxTickLate = Math.max(maxTickLate, now - last - 10);
      last = now;
      ticks++;
    }, 10);
    setTimeout(() => (clearInterval(iv), resolve()), ms);
  });
  h.disable();
  return { maxTickLate, histMax: h.max / 1e6, ticks };
}

const worst = (l: { maxTickLate: number; histMax: number }): number => Math.max(l.maxTickLate, l.histMax);
const ok = (l: { maxTickLate: number; histMax: number }): boolean => worst(l) < 20;

const usleep = koffi.load('libc.so.6').func('int usleep(unsigned int)');

function udpReceiver(): { sock: NativeSocket; port: number; got: Promise<Buffer> } {
  const sock = NativeSocket.open(AF_INET, SOCK_DGRAM, 0);
  sock.bind(sockaddrIn('127.0.0.1', 0));
  const port = parseSockaddr(sock.getsockname()).port!;
  const got = new Promise<Buffer>((resolve) =>
    sock.onReadable(() => {
      for (let r = sock.recvfrom(); r; r = sock.recvfrom()) resolve(r.data);
    }),
  );
  return { sock, port, got };
}

describe.skipIf(!hasRoot('host: native event-loop lag'))('event loop while sockets wait', () => {
  it('a UDP socket waiting 2 s adds < 20 ms lag, then receives what is sent', async () => {
    const { sock, port, got } = udpReceiver();
    const sender = createSocket('udp4');
    try {
      let early = false;
      void got.then(() => (early = true));
      // The machine is shared (other suites, UML guests): a plain `node` with no socket at all
      // sees 25 ms spikes under load. So up to eight 2 s waits (more only when the box is busy); the best must stay under 20 ms.
      // A poller that blocked the loop would show ~2000 ms in every attempt.
      const attempts: Array<{ maxTickLate: number; histMax: number; ticks: number }> = [];
      for (let i = 0; i < 8 && !attempts.some(ok); i++) attempts.push(await measureLag(2000));
      process.stderr.write(`event-loop lag while waiting 2 s (ms): ${JSON.stringify(attempts)}\n`);
      expect(early).toBe(false);
      const best = attempts.reduce((a, b) => (worst(a) <= worst(b) ? a : b));
      expect(best.ticks).toBeGreaterThan(150);
      expect(best.maxTickLate).toBeLessThan(20);
      expect(best.histMax).toBeLessThan(20);
      sender.send(Buffer.from('after the wait'), port, '127.0.0.1');
      expect((await got).toString()).toBe('after the wait');
    } finally {
      sender.close();
      sock.close();
    }
  });

  it('100 idle netlink sockets leave the loop and the threadpool free', async () => {
    const socks = Array.from({ length: 100 }, () => {
      const s = NativeSocket.open(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
      s.bind(sockaddrNl());
      s.onReadable(() => void s.recvmsg());
      return s;
    });
    try {
      expect(activeWatches()).toBeGreaterThanOrEqual(100);
      // Four sleeping threadpool jobs at once (libuv has 4 workers) finish together only if no
      // worker is parked in a poll: 300 ms with all four free, 600 ms if one were taken.
      const t0 = performance.now();
      const sleep = (): Promise<number> => new Promise((res, rej) => usleep.async(300_000, (e: unknown) => (e ? rej(e) : res(performance.now() - t0))));
      const times = await Promise.all([sleep(), sleep(), sleep(), sleep()]);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(290);
      expect(Math.max(...times)).toBeLessThan(550);
    } finally {
      socks.forEach((s) => s.close());
    }
  });
});
