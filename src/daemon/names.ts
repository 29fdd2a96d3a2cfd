/**
 * Names operators type (lvsctl drain web 10.0.0.2:8080) resolved against the running config.
 * Real servers are "addr:port" / "[v6]:port"; the address is canonicalized, so "[2001:DB8::0001]:80"
 * finds "[2001:db8::1]:80".
 */
import { canonicalIp } from '../../native/ip.js';
import { hostPort } from '../ipvs/types.js';
import { splitHostPort } from '../util/host-port.js';
import type { Config } from '../config/types.js';
import { DaemonError } from './errors.js';
import { quote } from '../util/quote.js';

/** Canonical "addr:port" of an operator's text, or the text unchanged if it does not parse. */
export function canonicalRs(text: string): string {
  const { host, port } = splitHostPort(text);
  const address = canonicalIp(host);
  return address === undefined || port === undefined ? text : hostPort(address, port);
}

/** Finds (vs, rs) in the config; throws DaemonError ENOVS / ENORS naming what exists. */
export function resolveServer(c: Config, vs: string, rs: string): { vs: string; rs: string } {
  const vss = c.virtual_server;
  const v = vss.find((x) => x.name === vs);
  if (!v)
    throw new DaemonError(
      'ENOVS',
      `no virtual server named ${quote(vs)} (there are: ${listSome(vss.map((x) => x.name))})`,
    );
  const want = canonicalRs(rs);
  const r = v.real_server.find((x) => x.key === rs || x.key === want);
  if (!r) {
    const known = listSome(v.real_server.map((x) => x.key));
    throw new DaemonError(
      'ENORS',
      `virtual server ${vs} has no real server ${rs.length > 64 ? quote(rs) : rs} (it has: ${known})`,
    );
  }
  return { vs, rs: r.key };
}

/** The first 10 names, then how many more. */
function listSome(names: string[]): string {
  return names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`;
}

/** Splits a health/override id "vs|rs". */
export function splitId(id: string): [string, string] {
  const i = id.indexOf('|');
  return i < 0 ? [id, ''] : [id.slice(0, i), id.slice(i + 1)];
}
