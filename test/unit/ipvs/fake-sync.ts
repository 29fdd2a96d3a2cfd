/**
 * The sync-daemon part of the fake IPVS kernel (fake-kernel.ts): at most one master and one
 * backup, kernel defaults filled in (maxlen from a 1500-byte MTU, a backup's below 1024 raised,
 * group 224.0.0.81, port 8848, ttl 1), and the kernel's refusals: EEXIST for a second daemon of a
 * state, ENODEV for an interface it does not know, ESRCH when stopping one that is not running.
 * Dump replies carry the DAEMON nest without NLA_F_NESTED, as ip_vs_genl_fill_daemon writes it.
 */
import {
  attr,
  attrNested,
  attrStr,
  attrU16,
  attrU32,
  attrU8,
  parseAttrs,
  readU32,
} from '../../../src/netlink/attributes.js';
import { decodeGenl, genlPayload } from '../../../src/netlink/genl.js';
import type { NlMsg } from '../../../src/netlink/message.js';
import { ipBytes } from '../../../native/ip.js';
import * as C from '../../../src/ipvs/constants.js';
import { decodeDaemonMsg, type SyncDaemon } from '../../../src/ipvs/sync-daemon.js';
import { ack, done, errorReply, reply } from '../../support/scripted-netlink.js';

const [ESRCH, EEXIST, ENODEV, EINVAL] = [3, 17, 19, 22];

/** The fake's daemons by state, and the interfaces that exist. */
export interface FakeSync {
  daemons: Map<'master' | 'backup', Required<SyncDaemon>>;
  interfaces: Set<string>;
  /** Every NEW/DEL_DAEMON received, in order ("start master eth0", "stop backup"). */
  log: string[];
}

/** A fresh sync state with the given interfaces (default eth0, eth1). */
export function fakeSync(interfaces: string[] = ['eth0', 'eth1']): FakeSync {
  return { daemons: new Map(), interfaces: new Set(interfaces), log: [] };
}

function withDefaults(d: SyncDaemon): Required<SyncDaemon> {
  const hlen = d.group?.includes(':') ? 48 : 28;
  const maxlen = d.maxlen ? Math.max(d.maxlen, d.state === 'backup' ? 1024 : 1) : 1500 - hlen;
  return { ...d, maxlen, group: d.group ?? C.IP_VS_SYNC_GROUP, port: d.port || C.IP_VS_SYNC_PORT, ttl: d.ttl || 1 };
}

function nest(d: Required<SyncDaemon>): Buffer {
  const g = ipBytes(d.group);
  const group = attr(g.length === 16 ? C.IPVS_DAEMON_ATTR_MCAST_GROUP6 : C.IPVS_DAEMON_ATTR_MCAST_GROUP, g);
  return attrNested(C.IPVS_CMD_ATTR_DAEMON, [
    attrU32(C.IPVS_DAEMON_ATTR_STATE, d.state === 'master' ? 1 : 2),
    attrStr(C.IPVS_DAEMON_ATTR_MCAST_IFN, d.interface),
    attrU32(C.IPVS_DAEMON_ATTR_SYNC_ID, d.syncId),
    attrU16(C.IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.maxlen),
    attrU16(C.IPVS_DAEMON_ATTR_MCAST_PORT, d.port),
    attrU8(C.IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl),
    group,
  ]);
}

/** Answers a NEW/DEL/GET_DAEMON request, or returns undefined for any other command. */
export function handleSync(req: NlMsg, s: FakeSync, family: number): NlMsg[] | undefined {
  const { cmd, attrs } = decodeGenl(req.payload);
  if (cmd === C.IPVS_CMD_GET_DAEMON)
    return [
      ...(['master', 'backup'] as const)
        .filter((st) => s.daemons.has(st))
        .map((st) => reply(req, family, genlPayload(C.IPVS_CMD_NEW_DAEMON, 1, [nest(s.daemons.get(st)!)]), true)),
      done(req),
    ];
  if (cmd !== C.IPVS_CMD_NEW_DAEMON && cmd !== C.IPVS_CMD_DEL_DAEMON) return undefined;
  const raw = attrs.get(C.IPVS_CMD_ATTR_DAEMON);
  if (!raw) return [errorReply(req, EINVAL)];
  if (cmd === C.IPVS_CMD_DEL_DAEMON) {
    const st = readU32(parseAttrs(raw).get(C.IPVS_DAEMON_ATTR_STATE)!) === 1 ? 'master' : 'backup';
    s.log.push(`stop ${st}`);
    if (!s.daemons.delete(st)) return [errorReply(req, ESRCH)];
    return [ack(req)];
  }
  const d = decodeDaemonMsg(genlPayload(cmd, 1, [attrNested(C.IPVS_CMD_ATTR_DAEMON, [raw])]));
  s.log.push(`start ${d.state} ${d.interface}`);
  if (!s.interfaces.has(d.interface)) return [errorReply(req, ENODEV)];
  if (s.daemons.has(d.state)) return [errorReply(req, EEXIST)];
  s.daemons.set(d.state, withDefaults(d));
  return [ack(req)];
}
