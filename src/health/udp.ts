/**
 * udp: send a payload over a connected socket; an ICMP port unreachable (ECONNREFUSED) is a failure,
 * and so is silence when a reply is required; a reply may have to match bytes or a regex.
 */
import * as dgram from 'node:dgram';
import { z } from 'zod';
import { type Checker, describeError, endpoint, type ProbeResult, type ProbeTarget } from './checker.js';
import { commonShape, hexSchema, regexSchema } from './common.js';

/** TOML block of a udp check. Setting expect/expect_hex implies require_reply. */
export const udpSchema = z
  .strictObject({
    type: z.literal('udp'),
    ...commonShape,
    payload: z.string().optional(),
    payload_hex: hexSchema.optional(),
    require_reply: z.boolean().default(false),
    expect: regexSchema.optional(),
    expect_hex: hexSchema.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.payload !== undefined && v.payload_hex !== undefined)
      ctx.addIssue({ code: 'custom', path: ['payload_hex'], message: 'use either payload or payload_hex, not both' });
    if (v.expect !== undefined && v.expect_hex !== undefined)
      ctx.addIssue({ code: 'custom', path: ['expect_hex'], message: 'use either expect or expect_hex, not both' });
  });

/** A validated udp check. */
export type UdpSpec = z.output<typeof udpSchema>;

/** Without require_reply, silence for this long (capped by half the timeout) counts as up. */
export const UDP_QUIET_MS = 500;

function matcher(spec: UdpSpec): ((b: Buffer) => boolean) | undefined {
  if (spec.expect !== undefined) {
    const re = new RegExp(spec.expect);
    return (b) => re.test(b.toString('latin1'));
  }
  if (spec.expect_hex !== undefined) {
    const want = Buffer.from(spec.expect_hex, 'hex');
    return (b) => b.includes(want);
  }
  return undefined;
}

/** Probes over a connected socket, so an ICMP port unreachable arrives as ECONNREFUSED. */
function probeUdp(target: ProbeTarget, spec: UdpSpec, signal: AbortSignal): Promise<ProbeResult> {
  const ep = endpoint(target.address, target.port);
  const match = matcher(spec);
  const needReply = spec.require_reply || match !== undefined;
  const data = spec.payload_hex !== undefined ? Buffer.from(spec.payload_hex, 'hex') : Buffer.from(spec.payload ?? '', 'utf8');
  return new Promise((resolve) => {
    const sock = dgram.createSocket(target.address.includes(':') ? 'udp6' : 'udp4');
    let quiet: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (ok: boolean, detail: string): void => {
      if (done) return;
      done = true;
      clearTimeout(quiet);
      signal.removeEventListener('abort', onAbort);
      sock.close();
      resolve({ ok, detail });
    };
    const onAbort = (): void => finish(false, `probe of ${ep} aborted`);
    signal.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (e) => finish(false, describeError(`udp ${ep}`, e)));
    sock.on('message', (msg) => {
      if (!match || match(msg)) finish(true, `reply from ${ep} (${msg.length} bytes)`);
      else finish(false, `reply from ${ep} does not match (${msg.length} bytes)`);
    });
    const send = (): void =>
      sock.connect(target.port, target.address, () => {
        sock.send(data);
        const wait = Math.min(UDP_QUIET_MS, target.timeoutMs / 2);
        if (!needReply) quiet = setTimeout(() => finish(true, `no ICMP error from ${ep} within ${wait} ms`), wait);
      });
    if (target.bindto) sock.bind({ address: target.bindto, port: 0 }, send);
    else send();
  });
}

/** The udp checker. */
export const udpChecker: Checker<UdpSpec> = {
  kind: 'udp',
  schema: udpSchema,
  probe: probeUdp,
  describeTimeout: (t) => `no UDP reply from ${endpoint(t.address, t.port)}`,
};
