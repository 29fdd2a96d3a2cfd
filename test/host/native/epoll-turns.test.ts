/**
 * EpollSet hands over at most BATCHES_PER_WAKE × 256 ready sockets per event-loop turn and the rest
 * on the next turns (the epoll fd stays readable for the loop's own poller), so thousands of sockets
 * ready at once cannot hold the loop in one callback. Real UDP sockets on loopback, each made
 * readable once (edge-triggered, as the TCP connector registers its sockets).
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { AF_INET, EPOLLET, EPOLLIN, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK } from '../../../native/constants.js';
import { BATCHES_PER_WAKE, EpollSet } from '../../../native/epoll.js';
import * as libc from '../../../native/libc.js';
import { parseSockaddr, sockaddrIn } from '../../../native/sockaddr.js';

const N = 3000;
const opened: number[] = [];
afterEach(() => {
  for (const fd of opened.splice(0)) libc.close(fd);
});

/** N bound UDP sockets: their fds and ports. */
function udpSockets(): Array<{ fd: number; port: number }> {
  const out: Array<{ fd: number; port: number }> = [];
  for (let i = 0; i < N; i++) {
    const fd = libc.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number;
    expect(fd).toBeGreaterThanOrEqual(0);
    opened.push(fd);
    const sa = sockaddrIn('127.0.0.1', 0);
    expect(libc.bind(fd, sa, sa.length)).toBe(0);
    const name = Buffer.alloc(16);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(16);
    libc.getsockname(fd, name, len);
    out.push({ fd, port: (parseSockaddr(name) as { port: number }).port });
  }
  return out;
}

/** Makes every socket readable, then counts the events delivered per event-loop turn. */
async function eventsPerTurn(batchesPerWake: number): Promise<number[]> {
  const socks = udpSockets();
  let turn = 0;
  const perTurn = new Map<number, number>();
  let seen = 0;
  const set = new EpollSet(() => {
    perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
    seen++;
  }, batchesPerWake);
  for (const s of socks) set.add(s.fd, EPOLLIN | EPOLLET);
  // the check phase runs once per loop turn, after the poll phase that runs the drains; ticking
  // starts before the first datagram, since drains begin as soon as the first ones arrive
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  tick();
  const tx = createSocket('udp4');
  await Promise.all(socks.map((s) => new Promise<void>((r) => tx.send('x', s.port, '127.0.0.1', () => r()))));
  tx.close();
  for (let i = 0; i < 2000 && seen < N; i++) await new Promise((r) => setImmediate(r));
  ticking = false;
  set.close();
  expect(seen).toBe(N);
  return [...perTurn.values()];
}

describe('EpollSet per-turn bound', () => {
  it('delivers every ready socket, at most BATCHES_PER_WAKE × 256 per turn', async () => {
    const unbounded = await eventsPerTurn(Infinity);
    expect(Math.max(...unbounded)).toBeGreaterThan(BATCHES_PER_WAKE * 256); // contrast: one long callback, ~all at once
    const bounded = await eventsPerTurn(BATCHES_PER_WAKE);
    expect(Math.max(...bounded)).toBeLessThanOrEqual(BATCHES_PER_WAKE * 256);
    expect(bounded.length).toBeGreaterThan(1);
  });
});
