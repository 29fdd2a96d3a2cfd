/**
 * The kernel's floor for IPVS writes: a minimal client that replays PRE-ENCODED generic netlink
 * requests, 100 per sendto, and only counts the ACKs (no parsing beyond lengths and the error int).
 * It receives the way lvsd's transport does, so only lvsd's own work separates the two: capped
 * ACKs (NETLINK_CAP_ACK: an ACK does not echo its request), the same receive buffer, and the ACKs
 * read right after sendto with recvmmsg, 32 datagrams per call (the kernel answers inside sendto),
 * waiting for readiness only when nothing is queued.
 * Usage (inside a guest with IPVS): node dist/bench/ipvs-floor.js FILE [PER_SEND]
 * FILE holds nlmsgs back to back whose type is patched here to the IPVS family id.
 * Prints "floor: N requests, E errors". Exit 1 if any request was refused.
 */
import { readFileSync } from 'node:fs';
import {
  AF_NETLINK,
  NETLINK_CAP_ACK,
  NETLINK_GENERIC,
  SOCK_RAW,
  SOL_NETLINK,
  SOL_SOCKET,
  SO_RCVBUFFORCE,
} from '../native/constants.js';
import { NativeSocket } from '../native/socket.js';
import { sockaddrNl } from '../native/sockaddr-nl.js';

const sock = NativeSocket.open(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
sock.setsockopt(SOL_SOCKET, SO_RCVBUFFORCE, 4 * 1024 * 1024);
sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1);
sock.bind(sockaddrNl(0, 0));
const kernel = sockaddrNl(0, 0);

/**
 * Waits until `want` messages arrived; returns how many were NLMSG_ERROR with a non-zero error, or the first
 * data reply.
 */
async function collect(want: number, onMsg: (type: number, body: Buffer) => void): Promise<void> {
  let got = 0;
  const each = (data: Buffer): void => {
    for (let off = 0; off + 16 <= data.length;) {
      const len = data.readUInt32LE(off);
      onMsg(data.readUInt16LE(off + 4), data.subarray(off + 16, off + len));
      if (data.readUInt16LE(off + 4) === 2) got++;
      off += (len + 3) & ~3;
    }
  };
  while (got < want) {
    if (sock.drain(each, 65536, 32) === 0) await new Promise<void>((res) => sock.onReadable(res));
  }
}

async function familyId(): Promise<number> {
  // nlmsghdr{32, GENL_ID_CTRL, REQUEST|ACK} + genlmsghdr{CTRL_CMD_GETFAMILY, 1} + CTRL_ATTR_FAMILY_NAME "IPVS"
  const req = Buffer.alloc(32);
  req.writeUInt32LE(32, 0);
  req.writeUInt16LE(0x10, 4);
  req.writeUInt16LE(5, 6);
  req.writeUInt8(3, 16);
  req.writeUInt8(1, 17);
  req.writeUInt16LE(9, 20);
  req.writeUInt16LE(2, 22);
  req.write('IPVS', 24);
  sock.sendto(req, kernel);
  let id = 0;
  await collect(1, (type, body) => {
    for (let off = 4; type === 0x10 && off + 4 <= body.length; off += (body.readUInt16LE(off) + 3) & ~3) {
      if (body.readUInt16LE(off + 2) === 1) id = body.readUInt16LE(off + 4); // CTRL_ATTR_FAMILY_ID
      if (body.readUInt16LE(off) < 4) break;
    }
  });
  if (!id) throw new Error('no IPVS family');
  return id;
}

async function main(): Promise<void> {
  const file = readFileSync(process.argv[2]);
  const perSend = Number(process.argv[3] ?? 100);
  const id = await familyId();
  const starts: number[] = [];
  for (let off = 0; off < file.length; off += (file.readUInt32LE(off) + 3) & ~3) {
    file.writeUInt16LE(id, off + 4);
    starts.push(off);
  }
  let errors = 0;
  for (let i = 0; i < starts.length; i += perSend) {
    const end = i + perSend < starts.length ? starts[i + perSend] : file.length;
    sock.sendto(file.subarray(starts[i], end), kernel);
    await collect(Math.min(perSend, starts.length - i), (type, body) => {
      if (type === 2 && body.readInt32LE(0) !== 0) errors++;
    });
  }
  sock.close();
  process.stdout.write(`floor: ${starts.length} requests, ${errors} errors\n`);
  process.exitCode = errors ? 1 : 0;
}

void main();
