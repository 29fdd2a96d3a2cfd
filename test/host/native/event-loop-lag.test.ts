/**
 * The readiness mechanism must never block the event loop: sockets wait for 2 s with nothing to read
 * while a 10 ms interval measures how late it fires; then data sent after the wait must arrive (so
 * the wait was real, not a socket that gave up).
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { AF_INET, AF_NETLINK, NETLINK_ROUTE, SOCK_DGRAM, SOCK_RAW } from '../../../native/constants.js';
import { activeWatches } from '../../../native/poller.js';
import { parseSockaddr, sockaddrIn, sockaddrNl } from '../../../native/sockaddr.js';
import { NativeSocket } from '../../../native/socket.js';
import { hasRoot } from '../../support/root.js';

interface Lag {
  /** Worst lateness of a 10 ms tick, as the wall clock saw it (ms). */
  maxTickLate: number;
  /** The same, minus the time this thread sat runnable waiting for a CPU (ms): lag the loop caused. */
  maxLoopLag: number;
  /** monitorEventLoopDelay's max (ms; includes CPU waits). */
  histMax: number;
  ticks: number;
}

/** ns this thread has spent runnable but waiting for a CPU (/proc/thread-self/schedstat, field 2). */
function runQueueWaitNs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]);
}

/**
 * Runs `ms` of 10 ms ticks. Other suites and UML guests load this 2-core box (load average 10–17
 * seen), and a thread waiting for a CPU is late through no fault of the event loop; schedstat tells
 * exactly how long the thread waited for one, so that wait is subtracted. A loop blocked by a
 * poller — in poll(2) or spinning — is not "waiting for a CPU" and is counted in full. The process
 * also runs at high priority (root) for the duration.
 */
async function measureLag(ms: number): Promise<Lag> {
  const prio = getPriority();
  setPriority(-15);
  try {
    return await measure(ms);
  } finally {
    setPriority(prio);
  }
}

async function measure(ms: number): Promise<Lag> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  let [last, lastWait] = [performance.now(), runQueueWaitNs()];
  const lag: Lag = { maxTickLate: 0, maxLoopLag: 0, histMax: 0, ticks: 0 };
  await new Promise<void>((resolve) => {
    const iv = setInterval(() => {
      const [now, wait] = [performance.now(), runQueueWaitNs()];
      const late = now - last - 10;
      lag.maxTickLate = Math.max(lag.maxTickLate, late);
      lag.maxLoopLag = Math.max(lag.maxLoopLag, late - (wait - lastWait) / 1e6);
      [last, lastWait] = [now, wait];
      lag.ticks++;
    }, 10);
    setTimeout(() => (clearInterval(iv), resolve()), ms);
  });
  h.disable();
  lag.histMax = h.max / 1e6;
  return lag;
}

const ok = (l: Lag): boolean => l.maxLoopLag < 20;

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
      // Up to three 2 s windows (the box is shared; see measureLag); the best must be < 20 ms.
      const attempts: Lag[] = [];
      for (let i = 0; i < 3 && !attempts.some(ok); i++) attempts.push(await measureLag(2000));
      process.stderr.write(`event-loop lag while waiting 2 s (ms): ${JSON.stringify(attempts)}\n`);
      expect(early).toBe(false);
      const best = attempts.reduce((a, b) => (a.maxLoopLag <= b.maxLoopLag ? a : b));
      expect(best.ticks).toBeGreaterThan(100);
      expect(best.maxLoopLag).toBeLessThan(20);
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
      const sleep = (): Promise<number> =>
        new Promise((res, rej) => usleep.async(300_000, (e: unknown) => (e ? rej(e) : res(performance.now() - t0))));
      const times = await Promise.all([sleep(), sleep(), sleep(), sleep()]);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(290);
      expect(Math.max(...times)).toBeLessThan(550);
    } finally {
      socks.forEach((s) => s.close());
    }
  });
});
