/**
 * A fast path in front of zod for the common real server: a table with only `address`, `port`,
 * `weight`, `upper_threshold`, `lower_threshold` and `forwarding`, every value valid. For such a
 * table `plainRealServer` returns exactly what `realServerSchema` (schema.ts) would (same keys, same
 * defaults); for anything else it returns undefined and the table goes through zod, which names the
 * problem. Why: a start with 10,000 real servers spent ~20 ms of its first 300 ms in zod's generic
 * object parsing of these tables (bench/daemon-footprint.ts). test/unit/config/plain-real-server.test.ts
 * holds the two to the same output with generated tables.
 */
import { isIP } from 'node:net';
import { isTable } from './fields.js';

/** What realServerSchema yields for a plain table (no `check`: a real server with one goes through zod). */
export interface PlainRealServer {
  address: string;
  port?: number;
  weight: number;
  upper_threshold: number;
  lower_threshold: number;
  forwarding?: 'nat' | 'dr' | 'tun';
}

const u16 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;

/** realServerSchema's output for a plain, valid table; undefined for anything else (zod decides). */
export function plainRealServer(rs: unknown): PlainRealServer | undefined {
  if (!isTable(rs)) return undefined;
  for (const k in rs) {
    if (
      k !== 'address' &&
      k !== 'port' &&
      k !== 'weight' &&
      k !== 'upper_threshold' &&
      k !== 'lower_threshold' &&
      k !== 'forwarding'
    )
      return undefined;
  }
  const { address, port, weight = 1, upper_threshold = 0, lower_threshold = 0, forwarding } = rs;
  if (typeof address !== 'string' || isIP(address) === 0) return undefined;
  if (!u16(weight) || !u16(upper_threshold) || !u16(lower_threshold)) return undefined;
  if (port !== undefined && !u16(port)) return undefined;
  if (forwarding !== undefined && forwarding !== 'nat' && forwarding !== 'dr' && forwarding !== 'tun') return undefined;
  const out: PlainRealServer = { address, weight, upper_threshold, lower_threshold };
  if (port !== undefined) out.port = port;
  if (forwarding !== undefined) out.forwarding = forwarding;
  return out;
}

/**
 * Every table of `list` through plainRealServer, or undefined as soon as one is not plain (then the
 * whole list goes through zod, so problems keep their indexes).
 */
export function plainRealServers(list: unknown): PlainRealServer[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: PlainRealServer[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const p = plainRealServer(list[i]);
    if (p === undefined) return undefined;
    out[i] = p;
  }
  return out;
}
