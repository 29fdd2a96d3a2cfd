/**
 * A stateful fake of the kernel's IPVS generic netlink family behind a scripted transport, for
 * unit tests of the client, dataplane, restore and CLI. It keeps services and destinations and
 * refuses like ip_vs_ctl.c: EEXIST on a duplicate, ESRCH for a missing service, ENOENT for a missing
 * destination or unknown scheduler, EPERM when asked to. Dumps answer with NLM_F_MULTI + DONE.
 */
import { attrNested, attrStr, attrU16, attrU32, attrU64, parseAttrs } from '../../../src/netlink/attributes.js';
import { decodeGenl, genlPayload } from '../../../src/netlink/genl.js';
import type { NlMsg } from '../../../src/netlink/message.js';
import { NetlinkConnection } from '../../../src/netlink/conn.js';
import { destNest, serviceNest } from '../../../src/ipvs/codec.js';
import * as C from '../../../src/ipvs/constants.js';
import { decodeDestNest, decodeServiceAttrs, decodeServiceId } from '../../../src/ipvs/decode.js';
import { destKey, serviceKey, type Destination, type Service } from '../../../src/ipvs/types.js';
import {
  ack,
  done,
  errorReply,
  reply,
  scriptedTransport,
  type ScriptedTransport,
} from '../../support/scripted-netlink.js';
import { fakeSync, handleSync, type FakeSync } from './fake-sync.js';

export const FAKE_FAMILY = 0x1c;
const SCHEDS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh']);
const [EPERM, ENOENT, ESRCH, EEXIST] = [1, 2, 3, 17];

/** A dump entry's DEST nest as the kernel sends it: the settings plus STATS64 (conns 7, the rest 0). */
function destWithStats(d: Destination): Buffer {
  const stats = attrNested(
    C.IPVS_DEST_ATTR_STATS64,
    [attrU64(1, 7n), ...[2, 3, 4, 5, 6, 7, 8, 9, 10].map((t) => attrU64(t, 0n))],
    true,
  );
  return attrNested(C.IPVS_CMD_ATTR_DEST, [destNest(d).subarray(4), stats], true);
}

/** Knobs: no IPVS family at all, every IPVS command refused with EPERM, or malformed dump entries. */
export interface FakeOptions {
  noIpvs?: boolean;
  eperm?: boolean;
  /** GET_SERVICE answers with an entry whose SERVICE nest has an attribute running past its end. */
  garbageDump?: boolean;
  /** The interfaces sync daemons may use (default eth0, eth1). */
  interfaces?: string[];
}

/** The fake's state and its transport. */
export interface FakeKernel {
  /** The transport of the most recent `conn()`. */
  readonly transport: ScriptedTransport;
  services: Map<string, { svc: Service; dests: Map<string, Destination> }>;
  /** The sync daemons (fake-sync.ts). */
  sync: FakeSync;
  /** A NetlinkConnection over a new transport (a new socket) to the same kernel state. */
  conn(): NetlinkConnection;
  /** Every request received, over all connections. */
  sent(): NlMsg[];
}

/** Makes a fresh fake kernel. */
export function fakeKernel(opts: FakeOptions = {}): FakeKernel {
  const services: FakeKernel['services'] = new Map();
  const sync = fakeSync(opts.interfaces);
  const transports: ScriptedTransport[] = [];
  return {
    sync,
    get transport() {
      return transports[transports.length - 1];
    },
    services,
    conn: () => {
      transports.push(scriptedTransport((req) => handle(req, services, sync, opts)));
      return new NetlinkConnection(transports[transports.length - 1], { timeoutMs: 1000 });
    },
    sent: () => transports.flatMap((t) => t.sent),
  };
}

function handle(req: NlMsg, services: FakeKernel['services'], sync: FakeSync, opts: FakeOptions): NlMsg[] {
  if (req.type === 0x10) {
    if (opts.noIpvs) return [errorReply(req, ENOENT)];
    const fam = genlPayload(1, 2, [
      attrU16(1, FAKE_FAMILY),
      attrStr(2, 'IPVS'),
      attrU32(3, 1),
      attrU32(4, 0),
      attrU32(5, 6),
    ]);
    return [reply(req, 0x10, fam), ack(req)];
  }
  if (req.type !== FAKE_FAMILY) return [errorReply(req, ENOENT)];
  if (opts.eperm) return [errorReply(req, EPERM)];
  const daemonReply = handleSync(req, sync, FAKE_FAMILY);
  if (daemonReply) return daemonReply;
  const { cmd, attrs } = decodeGenl(req.payload);
  const svcAttrs = attrs.get(C.IPVS_CMD_ATTR_SERVICE);
  const id = svcAttrs ? decodeServiceId(parseAttrs(svcAttrs)) : undefined;
  const full = cmd === C.IPVS_CMD_NEW_SERVICE || cmd === C.IPVS_CMD_SET_SERVICE;
  const svc = svcAttrs && full ? decodeServiceAttrs(parseAttrs(svcAttrs)) : undefined;
  const destAttrs = attrs.get(C.IPVS_CMD_ATTR_DEST);
  const dest = destAttrs && id ? decodeDestNest(destAttrs, id.af) : undefined;
  const entry = id ? services.get(serviceKey(id)) : undefined;
  const msg = (c: number, a: Buffer[]): NlMsg => reply(req, FAKE_FAMILY, genlPayload(c, 1, a), true);
  switch (cmd) {
    case C.IPVS_CMD_GET_INFO:
      return [
        reply(req, FAKE_FAMILY, genlPayload(C.IPVS_CMD_SET_INFO, 1, [attrU32(1, 0x010201), attrU32(2, 4096)])),
        ack(req),
      ];
    case C.IPVS_CMD_GET_CONFIG:
      return [
        reply(
          req,
          FAKE_FAMILY,
          genlPayload(C.IPVS_CMD_SET_CONFIG, 1, [attrU32(4, 900), attrU32(5, 120), attrU32(6, 300)]),
        ),
        ack(req),
      ];
    case C.IPVS_CMD_SET_CONFIG:
    case C.IPVS_CMD_ZERO:
      return [ack(req)];
    case C.IPVS_CMD_FLUSH:
      services.clear();
      return [ack(req)];
    case C.IPVS_CMD_GET_SERVICE:
      if (opts.garbageDump) return [msg(C.IPVS_CMD_NEW_SERVICE, [Buffer.from([8, 0, 1, 0x80, 6, 0, 1, 0])]), done(req)];
      return [...[...services.values()].map((e) => msg(C.IPVS_CMD_NEW_SERVICE, [serviceNest(e.svc)])), done(req)];
    case C.IPVS_CMD_GET_DEST:
      return [
        ...[...(entry?.dests.values() ?? [])].map((d) => msg(C.IPVS_CMD_NEW_DEST, [destWithStats(d)])),
        done(req),
      ];
    case C.IPVS_CMD_NEW_SERVICE:
      if (entry) return [errorReply(req, EEXIST)];
      if (!SCHEDS.has(svc!.scheduler)) return [errorReply(req, ENOENT)];
      services.set(serviceKey(svc!.id), { svc: { ...svc!, destinations: undefined } as Service, dests: new Map() });
      return [ack(req)];
    case C.IPVS_CMD_SET_SERVICE:
      if (!entry) return [errorReply(req, ESRCH)];
      entry.svc = svc!;
      return [ack(req)];
    case C.IPVS_CMD_DEL_SERVICE:
      if (!entry) return [errorReply(req, ESRCH)];
      services.delete(serviceKey(id!));
      return [ack(req)];
  }
  if (!entry || !dest) return [errorReply(req, ESRCH)];
  const has = entry.dests.has(destKey(dest));
  if (cmd === C.IPVS_CMD_NEW_DEST && has) return [errorReply(req, EEXIST)];
  if (cmd !== C.IPVS_CMD_NEW_DEST && !has) return [errorReply(req, ENOENT)];
  if (cmd === C.IPVS_CMD_DEL_DEST) entry.dests.delete(destKey(dest));
  else entry.dests.set(destKey(dest), dest);
  return [ack(req)];
}
