/**
 * Host netlink rate: is lvsd's netlink machinery the bottleneck?
 *
 *   A. lvsd      NetlinkConnection.batch: builds each CTRL_CMD_GETFAMILY "nlctrl" request, encodes
 *                100 per sendto, receives through the poller, decodes every message, matches
 *                seq → request, settles each request; with --decode-family also decodes each reply
 *                into a GenlFamily (ids, groups).
 *   B. replay    the floor: the same 100 requests pre-encoded ONCE, replayed with one sendto, then
 *                recvmsg until 100 ACKs, counted by walking nlmsghdr lengths only (no decoding).
 *                Same NativeSocket and receive buffer as A; no event loop hop.
 *   B'. replay   the same with recvmmsg (32 datagrams per call), the syscall economy A uses.
 *   C. python    (if python3 is here) a ~30-line Python client doing B, for scale against the
 *                issue's anchor (~38,000 req/s on this machine).
 * A, A+decode, B and B' are interleaved in slices of 2,000 requests; C runs once afterwards. Also prints event-loop lag while a
 * socket waits 2 s idle, and while A runs.
 *
 * Usage: node dist/bench/netlink-rate.js [requests=100000]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  AF_NETLINK,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GENERIC,
  SOCK_RAW,
  SOL_NETLINK,
  SOL_SOCKET,
  SO_RCVBUFFORCE,
} from '../native/constants.js';
import { sockaddrNl } from '../native/sockaddr.js';
import { NativeSocket } from '../native/socket.js';
import { NetlinkConnection, type NlRequest } from '../src/netlink/conn.js';
import { GENL_ID_CTRL, decodeFamily, getFamilyPayload } from '../src/netlink/genl.js';
import { NLMSG_ERROR, NLM_F_ACK, NLM_F_REQUEST, encodeMsg } from '../src/netlink/message.js';

const PER_SEND = 100;
const total = Number(process.argv[2] ?? 100_000);
const batches = Math.ceil(total / PER_SEND);

/** A measured slice: wall ms and CPU ms (user+system) spent, and requests done. */
interface Slice {
  wall: number;
  cpu: number;
  n: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A: lvsd's connection, `batches` sendtos of 100 fresh requests each. */
function lvsdRunner(decodeFamilies: boolean): { run(batches: number): Promise<Slice>; close(): void } {
  const conn = NetlinkConnection.open(NETLINK_GENERIC);
  return {
    async run(batches) {
      const [t0, c0] = [performance.now(), cpuMs()];
      let n = 0;
      for (let b = 0; b < batches; b++) {
        const reqs: NlRequest[] = Array.from({ length: PER_SEND }, () => ({
          type: GENL_ID_CTRL,
          payload: getFamilyPayload('nlctrl'),
          op: 'CTRL_CMD_GETFAMILY nlctrl',
        }));
        for (const r of await conn.batch(reqs, { perSend: PER_SEND })) {
          if (!r.ok) throw r.error;
          if (decodeFamilies && decodeFamily(r.replies[0].payload).id !== GENL_ID_CTRL) throw new Error('wrong family');
          n++;
        }
      }
      return { wall: performance.now() - t0, cpu: cpuMs() - c0, n };
    },
    close: () => conn.close(),
  };
}

/**
 * B: the floor, replaying one pre-encoded datagram of 100 requests and counting ACKs. With `mmsg`
 * it reads with recvmmsg (32 per call) as lvsd's transport does; without, one recvmsg per datagram
 * like the minimal Python client.
 */
function replayRunner(mmsg: boolean): { run(batches: number): Slice; close(): void } {
  const s = NativeSocket.open(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  s.setsockopt(SOL_SOCKET, SO_RCVBUFFORCE, 4 * 1024 * 1024);
  s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
  s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1);
  s.bind(sockaddrNl());
  const payload = getFamilyPayload('nlctrl');
  const datagram = Buffer.concat(
    Array.from({ length: PER_SEND }, (_, i) =>
      encodeMsg({ type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_ACK, seq: i + 1, pid: 0, payload }),
    ),
  );
  const kernel = sockaddrNl();
  return {
    run(batches) {
      const [t0, c0] = [performance.now(), cpuMs()];
      for (let b = 0; b < batches; b++) {
        s.sendto(datagram, kernel);
        let acks = 0;
        while (acks < PER_SEND) {
          const rs = mmsg ? s.recvmmsg(65536, 32) : [s.recvmsg(65536)];
          for (const r of rs ?? []) {
            if (!r) continue;
            for (let off = 0; off < r.data.length; off += (r.data.readUInt32LE(off) + 3) & ~3)
              if (r.data.readUInt16LE(off + 4) === NLMSG_ERROR) acks++;
          }
        }
      }
      return { wall: performance.now() - t0, cpu: cpuMs() - c0, n: batches * PER_SEND };
    },
    close: () => s.close(),
  };
}

const PYTHON = `
import socket, struct, time, sys
n = int(sys.argv[1]); per = 100
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
s.setsockopt(socket.SOL_SOCKET, 33, 4 << 20); s.setsockopt(270, 10, 1); s.bind((0, 0))
name = b'nlctrl\\0'; a = struct.pack('<HH', 4 + len(name), 2) + name + b'\\0' * ((4 - len(name) % 4) % 4)
body = bytes([3, 1, 0, 0]) + a
dg = b''.join(struct.pack('<IHHII', 16 + len(body), 0x10, 5, i + 1, 0) + body for i in range(per))
t0 = time.perf_counter()
for _ in range(n // per):
    s.send(dg); acks = 0
    while acks < per:
        d = s.recv(65536); off = 0
        while off < len(d):
            l, t = struct.unpack_from('<IH', d, off); acks += t == 2; off += (l + 3) & ~3
print((n // per) * per / (time.perf_counter() - t0))
`;

function python(): number | null {
  try {
    return Number(
      execFileSync('python3', ['-c', PYTHON, String(total)], { encoding: 'utf8', timeout: 120_000 }).trim(),
    );
  } catch {
    return null;
  }
}

/**
 * Event-loop lag probe: a 1 ms interval; each tick's lateness, and the same minus the time the
 * thread sat runnable waiting for a CPU (/proc/thread-self/schedstat) — the part the loop caused.
 */
function lagProbe(): { stop(): { rawMaxMs: number; loopMaxMs: number; loopP99Ms: number } } {
  const wait = (): number => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]);
  let [last, lastWait] = [performance.now(), wait()];
  let rawMax = 0;
  const loop: number[] = [];
  const iv = setInterval(() => {
    const [now, w] = [performance.now(), wait()];
    rawMax = Math.max(rawMax, now - last - 1);
    loop.push(now - last - 1 - (w - lastWait) / 1e6);
    [last, lastWait] = [now, w];
  }, 1);
  return {
    stop() {
      clearInterval(iv);
      loop.sort((x, y) => x - y);
      return {
        rawMaxMs: rawMax,
        loopMaxMs: loop[loop.length - 1] ?? 0,
        loopP99Ms: loop[Math.floor(loop.length * 0.99)] ?? 0,
      };
    },
  };
}

async function idleLag(ms: number): Promise<{ rawMaxMs: number; loopMaxMs: number }> {
  const s = NativeSocket.open(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  s.bind(sockaddrNl());
  s.onReadable(() => void s.recvmsg());
  const probe = lagProbe();
  await new Promise((r) => setTimeout(r, ms));
  s.close();
  return probe.stop();
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
const add = (acc: Slice, x: Slice): void => void ((acc.wall += x.wall), (acc.cpu += x.cpu), (acc.n += x.n));
const rate = (x: Slice, by: 'wall' | 'cpu'): number => x.n / (x[by] / 1000);

/**
 * Interleaves the three clients in slices of 20 sendtos (2,000 requests) so that machine load —
 * this box is shared and noisy — hits all of them alike; rates are totals over all slices.
 */
async function main(): Promise<void> {
  const a = lvsdRunner(false);
  const af = lvsdRunner(true);
  const b = replayRunner(false);
  const bm = replayRunner(true);
  await a.run(50); // warm-up (JIT)
  await af.run(50);
  b.run(50);
  bm.run(50);
  const zero = (): Slice => ({ wall: 0, cpu: 0, n: 0 });
  const [ta, taf, tb, tbm] = [zero(), zero(), zero(), zero()];
  const busy = { rawMaxMs: 0, loopMaxMs: 0, loopP99Ms: 0 };
  const slices = Math.ceil(batches / 20);
  for (let i = 0; i < slices; i++) {
    const probe = lagProbe();
    add(ta, await a.run(20));
    add(taf, await af.run(20));
    const l = probe.stop();
    busy.rawMaxMs = Math.max(busy.rawMaxMs, l.rawMaxMs);
    busy.loopMaxMs = Math.max(busy.loopMaxMs, l.loopMaxMs);
    busy.loopP99Ms = Math.max(busy.loopP99Ms, l.loopP99Ms);
    add(tb, b.run(20));
    add(tbm, bm.run(20));
  }
  [a, af, b, bm].forEach((x) => x.close());
  const py = python();
  const idle = await idleLag(2000);
  const out = {
    requests: ta.n,
    lvsdReqPerS: Math.round(rate(ta, 'wall')),
    lvsdWithFamilyDecodeReqPerS: Math.round(rate(taf, 'wall')),
    replayReqPerS: Math.round(rate(tb, 'wall')),
    replayMmsgReqPerS: Math.round(rate(tbm, 'wall')),
    pythonReqPerS: py === null ? null : Math.round(py),
    ratioLvsdToReplay: +(rate(ta, 'wall') / rate(tb, 'wall')).toFixed(3),
    ratioLvsdWithDecodeToReplay: +(rate(taf, 'wall') / rate(tb, 'wall')).toFixed(3),
    ratioLvsdToReplayCpu: +(rate(ta, 'cpu') / rate(tb, 'cpu')).toFixed(3),
    ratioLvsdToReplayMmsg: +(rate(ta, 'wall') / rate(tbm, 'wall')).toFixed(3),
    ratioLvsdToReplayMmsgCpu: +(rate(ta, 'cpu') / rate(tbm, 'cpu')).toFixed(3),
    idleWaitLagRawMaxMs: +idle.rawMaxMs.toFixed(2),
    idleWaitLagLoopMaxMs: +idle.loopMaxMs.toFixed(2),
    batchingLagRawMaxMs: +busy.rawMaxMs.toFixed(2),
    batchingLagLoopMaxMs: +busy.loopMaxMs.toFixed(2),
    batchingLagLoopP99Ms: +busy.loopP99Ms.toFixed(2),
  };
  console.log(
    `lvsd NetlinkConnection.batch      ${fmt(out.lvsdReqPerS)} req/s   (with decodeFamily: ${fmt(out.lvsdWithFamilyDecodeReqPerS)})`,
  );
  console.log(
    `replay of pre-encoded batches     ${fmt(out.replayReqPerS)} req/s (recvmsg per datagram), ${fmt(out.replayMmsgReqPerS)} req/s (recvmmsg x32)`,
  );
  if (out.pythonReqPerS !== null)
    console.log(`python replay client (anchor ~38k) ${fmt(out.pythonReqPerS)} req/s (run after, not interleaved)`);
  console.log(
    `ratio lvsd/replay                 ${out.ratioLvsdToReplay} wall (goal >= 0.8), ${out.ratioLvsdToReplayCpu} per CPU-second; with decodeFamily ${out.ratioLvsdWithDecodeToReplay}`,
  );
  console.log(
    `ratio lvsd/replay(recvmmsg)       ${out.ratioLvsdToReplayMmsg} wall, ${out.ratioLvsdToReplayMmsgCpu} per CPU-second (same syscall economy on both sides)`,
  );
  console.log(
    `event-loop lag (raw / minus CPU run-queue wait): idle 2 s wait max ${out.idleWaitLagRawMaxMs} / ${out.idleWaitLagLoopMaxMs} ms;`,
  );
  console.log(
    `  while batching flat out: max ${out.batchingLagRawMaxMs} / ${out.batchingLagLoopMaxMs} ms, worst slice p99 ${out.batchingLagLoopP99Ms} ms (loop-caused)`,
  );
  console.log(JSON.stringify(out));
}

await main();
