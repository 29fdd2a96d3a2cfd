/**
 * dns: query a name and type over UDP; the answer must have rcode NOERROR and, optionally, an answer
 * record whose data matches a value.
 */
import dnsPacket from 'dns-packet';
import { type Checker, describeError, endpoint, failure, type ProbeResult, type ProbeTarget } from './checker.js';
import { connectUdp, settleOnce, udpSocketFor } from './probe-io.js';
import { dnsTypes, dnsSchema, type DnsSpec } from './schemas/dns.js';

export { dnsTypes, dnsSchema, type DnsSpec };

/** Text forms an answer's data may be compared with (expect_answer). */
export function answerTexts(a: { type?: string; data?: unknown }): string[] {
  const d = a.data as unknown;
  if (typeof d === 'string') return [d];
  if (Buffer.isBuffer(d)) return [d.toString('utf8')];
  if (Array.isArray(d)) return [d.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x))).join('')];
  if (d && typeof d === 'object') {
    const o = d as Record<string, unknown>;
    if (a.type === 'SRV') return [String(o.target), `${o.priority} ${o.weight} ${o.port} ${o.target}`];
    if (a.type === 'MX') return [String(o.exchange), `${o.preference} ${o.exchange}`];
    if (a.type === 'SOA') return [String(o.mname)];
  }
  return [];
}

/** Judges a decoded reply: rcode NOERROR, at least one answer, and expect_answer if set. */
export function judgeReply(reply: dnsPacket.Packet & { rcode?: string }, spec: DnsSpec, ep: string): ProbeResult {
  const q = `${spec.query_type} ${spec.name}`;
  if (reply.rcode !== 'NOERROR')
    return { ok: false, detail: `DNS ${reply.rcode ?? 'unknown rcode'} for ${q} from ${ep}` };
  const answers = (reply.answers ?? []).filter((a) => a.type === spec.query_type);
  if (answers.length === 0)
    return { ok: false, detail: `DNS NOERROR but no ${spec.query_type} answer for ${spec.name} from ${ep}` };
  if (spec.expect_answer !== undefined && !answers.some((a) => answerTexts(a).includes(spec.expect_answer!)))
    return {
      ok: false,
      detail: `DNS answers for ${q} from ${ep} do not include "${spec.expect_answer}" (got ${answers.map((a) => answerTexts(a)[0]).join(', ')})`,
    };
  return {
    ok: true,
    detail: `DNS NOERROR for ${q} from ${ep} (${answers.length} answer${answers.length > 1 ? 's' : ''})`,
  };
}

/**
 * One datagram from the server, pure: the verdict, or undefined when it is not the reply to query `id`
 * (keep waiting). Never throws: bytes dns-packet cannot decode are a failed probe naming the problem.
 */
export function readReply(msg: Buffer, id: number, spec: DnsSpec, ep: string): ProbeResult | undefined {
  let reply: dnsPacket.Packet & { rcode?: string };
  try {
    reply = dnsPacket.decode(msg);
  } catch (e) {
    return {
      ok: false,
      detail: `malformed DNS reply from ${ep} (${msg.length} bytes): ${String((e as Error)?.message ?? e)}`,
    };
  }
  if (reply.id !== id || reply.type !== 'response') return undefined;
  return judgeReply(reply, spec, ep);
}

function probeDns(target: ProbeTarget, spec: DnsSpec, signal: AbortSignal): Promise<ProbeResult> {
  const ep = endpoint(target.address, target.port);
  const id = Math.floor(Math.random() * 65536);
  const query = dnsPacket.encode({
    type: 'query',
    id,
    flags: spec.recursion ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ type: spec.query_type, name: spec.name }],
  });
  return new Promise((resolve) => {
    const sock = udpSocketFor(target);
    const finish = settleOnce(signal, `DNS probe of ${ep} aborted`, () => sock.close(), resolve);
    sock.on('error', (e) => finish(failure(describeError(`DNS ${ep}`, e), e)));
    sock.on('message', (msg) => {
      const r = readReply(msg, id, spec, ep);
      if (r) finish(r);
    });
    connectUdp(sock, target, () => sock.send(query));
  });
}

/** The dns checker (UDP). */
export const dnsChecker: Checker<DnsSpec> = {
  kind: 'dns',
  schema: dnsSchema,
  probe: probeDns,
  describeTimeout: (t, spec) => `no DNS reply for ${spec.query_type} ${spec.name} from ${endpoint(t.address, t.port)}`,
};
