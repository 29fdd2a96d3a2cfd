/**
 * Socket plumbing shared by the tcp, udp and dns checkers: settle a probe exactly once (and stop
 * listening to the abort signal), reach a target over a connected UDP socket (binding `bindto`
 * first), and match a reply against `expect`/`expect_hex`.
 */
import * as dgram from 'node:dgram';
import type { ProbeResult, ProbeTarget } from './checker.js';
import { linearRegex, MAX_REGEX_INPUT } from './regex.js';

/**
 * Returns a `finish(result)` that settles the probe once: the first call removes the abort listener,
 * runs `cleanup` (close the socket) and resolves; later calls do nothing. An abort of `signal`
 * finishes with `{ ok: false, detail: abortedDetail }`.
 */
export function settleOnce(
  signal: AbortSignal,
  abortedDetail: string,
  cleanup: () => void,
  resolve: (r: ProbeResult) => void,
): (r: ProbeResult) => void {
  let done = false;
  const finish = (r: ProbeResult): void => {
    if (done) return;
    done = true;
    signal.removeEventListener('abort', onAbort);
    cleanup();
    resolve(r);
  };
  const onAbort = (): void => finish({ ok: false, detail: abortedDetail });
  signal.addEventListener('abort', onAbort, { once: true });
  return finish;
}

/** A UDP socket of the target address's family (udp6 for an address with a colon, else udp4). */
export function udpSocketFor(target: ProbeTarget): dgram.Socket {
  return dgram.createSocket(target.address.includes(':') ? 'udp6' : 'udp4');
}

/** Binds `target.bindto` (port 0) if set, then connects to the target and calls `onConnected`. */
export function connectUdp(sock: dgram.Socket, target: ProbeTarget, onConnected: () => void): void {
  const connect = (): void => sock.connect(target.port, target.address, onConnected);
  if (target.bindto) sock.bind({ address: target.bindto, port: 0 }, connect);
  else connect();
}

/**
 * A test of reply bytes from `expect` (regex over latin1 text) or `expect_hex` (contained bytes); undefined if
 * neither is set.
 */
export function replyMatcher(spec: { expect?: string; expect_hex?: string }): ((b: Buffer) => boolean) | undefined {
  if (spec.expect !== undefined) {
    const test = linearRegex(spec.expect);
    return (b) => test(b.toString('latin1', 0, MAX_REGEX_INPUT));
  }
  if (spec.expect_hex !== undefined) {
    const want = Buffer.from(spec.expect_hex, 'hex');
    return (b) => b.includes(want);
  }
  return undefined;
}
