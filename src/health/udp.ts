/**
 * udp: send a payload over a connected socket; an ICMP port unreachable (ECONNREFUSED) is a failure,
 * and so is silence when a reply is required; a reply may have to match bytes or a regex.
 */
import { type Checker, describeError, endpoint, failure, type ProbeResult, type ProbeTarget } from './checker.js';
import { connectUdp, replyMatcher, settleOnce, udpSocketFor } from './probe-io.js';
import { udpSchema, type UdpSpec } from './schemas/udp.js';

export { udpSchema, type UdpSpec };

/** Without require_reply, silence for this long (capped by half the timeout) counts as up. */
export const UDP_QUIET_MS = 500;

/** Probes over a connected socket, so an ICMP port unreachable arrives as ECONNREFUSED. */
function probeUdp(target: ProbeTarget, spec: UdpSpec, signal: AbortSignal): Promise<ProbeResult> {
  const ep = endpoint(target.address, target.port);
  const match = replyMatcher(spec);
  const needReply = spec.require_reply || match !== undefined;
  const data =
    spec.payload_hex !== undefined ? Buffer.from(spec.payload_hex, 'hex') : Buffer.from(spec.payload ?? '', 'utf8');
  return new Promise((resolve) => {
    const sock = udpSocketFor(target);
    let quiet: NodeJS.Timeout | undefined;
    const settle = settleOnce(
      signal,
      `probe of ${ep} aborted`,
      () => {
        clearTimeout(quiet);
        sock.close();
      },
      resolve,
    );
    const finish = (ok: boolean, detail: string): void => settle({ ok, detail });
    sock.on('error', (e) => settle(failure(describeError(`udp ${ep}`, e), e)));
    sock.on('message', (msg) => {
      if (!match || match(msg)) finish(true, `reply from ${ep} (${msg.length} bytes)`);
      else finish(false, `reply from ${ep} does not match (${msg.length} bytes)`);
    });
    connectUdp(sock, target, () => {
      sock.send(data);
      const wait = Math.min(UDP_QUIET_MS, target.timeoutMs / 2);
      if (!needReply) quiet = setTimeout(() => finish(true, `no ICMP error from ${ep} within ${wait} ms`), wait);
    });
  });
}

/** The udp checker. */
export const udpChecker: Checker<UdpSpec> = {
  kind: 'udp',
  schema: udpSchema,
  probe: probeUdp,
  describeTimeout: (t) => `no UDP reply from ${endpoint(t.address, t.port)}`,
};
