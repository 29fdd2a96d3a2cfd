/**
 * The server side of bench/scale-host.ts: one TCP listener on 0.0.0.0:PORT (every 127.x.y.z address of
 * its namespace reaches it) that costs no user-space time per probe. It accepts normally until the first
 * connection arrives (printing "first <epoch ms>"), then sets TCP_DEFER_ACCEPT: from then on the kernel
 * completes every handshake (the client's connect succeeds, which is all a TCP check asks) but queues a
 * connection for accept() only once data arrives. lvsd's TCP checks send none and close with a RST, which
 * frees the half-open entry, so nothing ever waits in the accept queue and the listener process sleeps
 * (the old lone counting server, which accepted every probe, could not keep up with 20,000/s). Probes
 * are counted by nftables in the kernel (see scale-host.ts).
 *   ip netns exec NS node dist/bench/scale-listener.js PORT
 */
import { createServer } from 'node:net';
import * as libc from '../native/libc.js';

const IPPROTO_TCP = 6;
const TCP_DEFER_ACCEPT = 9;
const port = Number(process.argv[2] ?? 8080);
let first = 0;
let accepted = 0;

const server = createServer((c) => {
  accepted++;
  c.on('error', () => undefined);
  c.destroy();
  if (first) return;
  first = Date.now();
  process.stdout.write(`first ${first}\n`);
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  const secs = Buffer.alloc(4);
  secs.writeInt32LE(30);
  if (libc.setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, secs, 4) !== 0)
    process.stdout.write(`error: setsockopt TCP_DEFER_ACCEPT errno ${libc.errno()}\n`);
});
server.listen({ port, host: '0.0.0.0', backlog: 65535 }, () => process.stdout.write('listening\n'));
// how many connections reached user space at all (should stay a handful after the first)
setInterval(() => process.stdout.write(`accepted ${accepted}\n`), 5000).unref();
process.on('SIGTERM', () => process.exit(0));
