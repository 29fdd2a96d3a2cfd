/**
 * tcp: connect to the target; optionally send bytes and expect a reply matching a regex or bytes.
 * The socket is closed with a RST (SO_LINGER 0) so thousands of probes per second leave no TIME_WAIT.
 */
import * as net from 'node:net';
import { z } from 'zod';
import { type Checker, describeError, endpoint, type ProbeResult, type ProbeTarget } from './checker.js';
import { commonShape, hexSchema, regexSchema, textOrHex } from './common.js';
import { replyMatcher, settleOnce } from './probe-io.js';

/** TOML block of a tcp check. `send`/`send_hex` and `expect`/`expect_hex` are mutually exclusive. */
export const tcpSchema = z
  .strictObject({
    type: z.literal('tcp'),
    ...commonShape,
    send: z.string().optional(),
    send_hex: hexSchema.optional(),
    expect: regexSchema.optional(),
    expect_hex: hexSchema.optional(),
  })
  .superRefine((v, ctx) => {
    textOrHex(v, ctx, 'send', 'send_hex');
    textOrHex(v, ctx, 'expect', 'expect_hex');
  });

/** A validated tcp check. */
export type TcpSpec = z.output<typeof tcpSchema>;

/** Bytes of reply kept for matching. */
const MAX_REPLY = 64 * 1024;

function payload(spec: TcpSpec): Buffer | undefined {
  if (spec.send !== undefined) return Buffer.from(spec.send, 'utf8');
  if (spec.send_hex !== undefined) return Buffer.from(spec.send_hex, 'hex');
  return undefined;
}

/** Closes with RST once connected (SO_LINGER 0: no TIME_WAIT), plain destroy otherwise. */
export function hardClose(sock: net.Socket, connected: boolean): void {
  if (sock.destroyed) return;
  if (connected) sock.resetAndDestroy();
  else sock.destroy();
}

/** Probes one target: connect, optionally send, optionally wait for the expected reply. */
function probeTcp(target: ProbeTarget, spec: TcpSpec, signal: AbortSignal): Promise<ProbeResult> {
  const match = replyMatcher(spec);
  return new Promise((resolve) => {
    let connected = false;
    // no noDelay (an extra setsockopt per probe) and no data listeners unless a reply is expected
    const sock = net.connect({ host: target.address, port: target.port, localAddress: target.bindto });
    const settle = settleOnce(signal, `probe of ${endpoint(target.address, target.port)} aborted`, () => hardClose(sock, connected), resolve);
    const finish = (ok: boolean, detail: string): void => settle({ ok, detail });
    sock.on('error', (e) => finish(false, describeError(connected ? `${endpoint(target.address, target.port)}:` : 'connect', e)));
    sock.on('connect', () => {
      connected = true;
      const data = payload(spec);
      if (data) sock.write(data);
      if (!match) finish(true, `connected to ${endpoint(target.address, target.port)}`);
    });
    if (match) awaitReply(sock, match, endpoint(target.address, target.port), finish);
  });
}

function awaitReply(sock: net.Socket, match: (b: Buffer) => boolean, ep: string, finish: (ok: boolean, detail: string) => void): void {
  let reply = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    reply = Buffer.concat([reply, chunk]).subarray(0, MAX_REPLY);
    if (match(reply)) finish(true, `expected reply from ${ep}`);
    else if (reply.length >= MAX_REPLY) finish(false, `no expected reply from ${ep} in the first ${MAX_REPLY} bytes`);
  });
  sock.on('end', () => finish(false, `${ep} closed the connection before the expected reply (got ${reply.length} bytes)`));
}

/** The tcp checker. */
export const tcpChecker: Checker<TcpSpec> = {
  kind: 'tcp',
  schema: tcpSchema,
  probe: probeTcp,
  describeTimeout: (t, spec) =>
    spec.expect !== undefined || spec.expect_hex !== undefined ? `no expected reply from ${endpoint(t.address, t.port)}` : `no TCP connection to ${endpoint(t.address, t.port)}`,
};
